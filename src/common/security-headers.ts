import type { Request, RequestHandler, Response } from 'express';
import helmet from 'helmet';
import type { RequestObserver } from './request-observers';

/**
 * helmet's defaults (nosniff, frame and referrer policies, a same-origin CSP that suits the API and Swagger UI at
 * /docs) on every answer; /redoc (its bundle served from here too) may also run its search worker, which it starts
 * from a blob: URL. No upgrade-insecure-requests: a self-hosted instance may be reached over plain HTTP, where it
 * would break the docs.
 */
export function securityHeaders(): RequestObserver {
  const directives = { upgradeInsecureRequests: null };
  const api = replayable(helmet({ contentSecurityPolicy: { directives } }));
  const redoc = replayable(helmet({ contentSecurityPolicy: { directives: { ...directives, workerSrc: ["'self'", 'blob:'] } } }));
  // The queue dashboard (bull-board) keeps its inline styles, but fetches no stylesheet or font from another origin.
  const board = replayable(
    helmet({ contentSecurityPolicy: { directives: { ...directives, styleSrc: ["'self'", "'unsafe-inline'"], fontSrc: ["'self'", 'data:'] } } }),
  );
  return {
    start: (req: Request, res: Response) => (req.path === '/redoc' ? redoc : req.path.startsWith('/admin/queues') ? board : api)(res),
  };
}

/**
 * The headers a helmet middleware sets, recorded once and replayed on each answer: with static options (no
 * per-request directive functions) helmet sets the same ones every time, and replaying them spares every request
 * its dozen inner middlewares.
 */
function replayable(middleware: RequestHandler): (res: Response) => void {
  const set: Array<[string, string]> = [];
  const removed: string[] = [];
  const recorder = {
    setHeader: (name: string, value: unknown) => set.push([name, String(value)]),
    removeHeader: (name: string) => removed.push(name),
  };
  let done = false;
  void middleware({} as Request, recorder as unknown as Response, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('helmet did not set its headers at once');
  return (res) => {
    for (const name of removed) res.removeHeader(name);
    for (const [name, value] of set) res.setHeader(name, value);
  };
}
