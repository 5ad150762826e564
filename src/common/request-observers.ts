import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { performance } from 'node:perf_hooks';

/**
 * A concern that watches every HTTP request: `start` as it arrives (before the body parser and the guards, so a
 * request they turn away is seen too), `end` once it is answered or abandoned (`res.writableFinished` tells which).
 */
export interface RequestObserver {
  start?(req: Request, res: Response): void;
  end?(req: Request, res: Response, elapsedMs: number): void;
}

/**
 * All observers in one middleware with one 'close' listener: on the hottest routes a router layer and a listener
 * per concern cost more than the concerns' own work.
 */
export function observeRequests(...observers: RequestObserver[]): RequestHandler {
  const starts = observers.flatMap((o) => (o.start ? [o.start.bind(o)] : []));
  const ends = observers.flatMap((o) => (o.end ? [o.end.bind(o)] : []));
  return (req: Request, res: Response, next: NextFunction): void => {
    const started = performance.now();
    for (const start of starts) start(req, res);
    res.once('close', () => {
      const elapsedMs = performance.now() - started;
      for (const end of ends) end(req, res, elapsedMs);
    });
    next();
  };
}
