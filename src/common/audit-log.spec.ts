import type { Request, Response } from 'express';
import type { AuthUser } from '../auth/auth-user';
import { auditLine } from './audit-log';

const alice: AuthUser = { kind: 'user', userId: 'user_alice', sessionId: 'sess_1', isAdmin: false, scopes: null, claims: { sid: 'sess_1' } };
const ingest: AuthUser = { kind: 'service', userId: 'service:ingest', sessionId: null, isAdmin: false, scopes: ['jobs:submit'], claims: {} };

function exchange(req: Partial<Request> & { user?: AuthUser }, status: number, headers: Record<string, string> = {}) {
  const request = {
    headers: { authorization: 'Bearer eyJ.secret.token', 'x-api-key': 'sk-secret', 'x-request-id': 'req-1', cookie: 'session=abc' },
    query: { access_token: 'eyJ.query.token' },
    body: { topic: 'private words' },
    params: {},
    ...req,
  } as unknown as Request;
  const response = { statusCode: status, writableFinished: true, getHeader: (name: string) => headers[name] } as unknown as Response;
  return auditLine(request, response);
}

describe('auditLine', () => {
  it('names the user, the route template, the path ids and the result, and nothing from headers, query or body', () => {
    const line = exchange(
      { method: 'POST', originalUrl: '/api/v1/jobs/j-1/cancel?access_token=eyJ.query.token', user: alice, route: { path: '/api/v1/jobs/:job_id/cancel' }, params: { job_id: 'j-1' } },
      200,
    );
    expect(line).toEqual({
      audit: true,
      request_id: 'req-1',
      user_id: 'user_alice',
      api_key: null,
      method: 'POST',
      route: '/api/v1/jobs/:job_id/cancel',
      target: { job_id: 'j-1' },
      created: null,
      status: 200,
      completed: true,
    });
    expect(JSON.stringify(line)).not.toMatch(/secret|token|abc|private|sess_1/);
  });

  it('names an API key by its configured name and a created resource by its Location', () => {
    const line = exchange({ method: 'POST', originalUrl: '/api/v1/videos/batch', user: ingest, route: { path: '/api/v1/videos/batch' } }, 201, {
      Location: '/api/v1/batches/b-1',
    });
    expect(line).toEqual(expect.objectContaining({ user_id: null, api_key: 'ingest', created: '/api/v1/batches/b-1', status: 201 }));
  });

  it('records refused and unmatched requests without an identity', () => {
    expect(exchange({ method: 'DELETE', originalUrl: '/api/v1/nowhere' }, 404)).toEqual(
      expect.objectContaining({ user_id: null, api_key: null, route: null, target: {}, status: 404 }),
    );
  });

  it('ignores reads and anything outside the API', () => {
    expect(exchange({ method: 'GET', originalUrl: '/api/v1/jobs', user: alice }, 200)).toBeNull();
    expect(exchange({ method: 'HEAD', originalUrl: '/api/v1/jobs', user: alice }, 200)).toBeNull();
    expect(exchange({ method: 'POST', originalUrl: '/health/ready' }, 404)).toBeNull();
  });
});
