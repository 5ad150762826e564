import type { Request, Response } from 'express';
import helmet from 'helmet';
import { securityHeaders } from './security-headers';

/** A response that records the headers set on it. */
function recordingResponse(): { res: Response; headers: Map<string, string> } {
  const headers = new Map<string, string>();
  const res = {
    setHeader: (name: string, value: unknown) => headers.set(name.toLowerCase(), String(value)),
    removeHeader: (name: string) => headers.delete(name.toLowerCase()),
  } as unknown as Response;
  return { res, headers };
}

/** What helmet itself sets, run as a middleware on a request for `path`. */
function helmetHeaders(options: Parameters<typeof helmet>[0], path: string): Map<string, string> {
  const { res, headers } = recordingResponse();
  helmet(options)({ path } as Request, res, () => undefined);
  return headers;
}

function replayedHeaders(path: string): Map<string, string> {
  const { res, headers } = recordingResponse();
  securityHeaders().start?.({ path } as Request, res);
  return headers;
}

describe('securityHeaders', () => {
  const directives = { upgradeInsecureRequests: null };

  it('sets exactly the headers helmet sets, recorded once and replayed on every answer', () => {
    const expected = helmetHeaders({ contentSecurityPolicy: { directives } }, '/api/v1/jobs');
    expect(expected.size).toBeGreaterThan(8);
    const observer = securityHeaders();
    for (let i = 0; i < 3; i++) {
      const { res, headers } = recordingResponse();
      observer.start?.({ path: '/api/v1/jobs' } as Request, res);
      expect(headers).toEqual(expected);
    }
    expect(expected.get('content-security-policy')).not.toMatch(/upgrade-insecure-requests/);
  });

  it('lets /redoc start its search worker from a blob: URL, and nothing else', () => {
    const headers = replayedHeaders('/redoc');
    expect(headers).toEqual(helmetHeaders({ contentSecurityPolicy: { directives: { ...directives, workerSrc: ["'self'", 'blob:'] } } }, '/redoc'));
    expect(headers.get('content-security-policy')).toMatch(/worker-src 'self' blob:/);
    expect(replayedHeaders('/docs').get('content-security-policy')).not.toMatch(/worker-src/);
  });

  it("keeps the queue dashboard's inline styles and data: fonts", () => {
    const csp = replayedHeaders('/admin/queues/api/queues').get('content-security-policy');
    expect(csp).toMatch(/style-src 'self' 'unsafe-inline'/);
    expect(csp).toMatch(/font-src 'self' data:/);
  });
});
