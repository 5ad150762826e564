import { randomUUID } from 'node:crypto';
import type { Request, Response } from 'express';
import type { RequestObserver } from './request-observers';

const REQUEST_ID = Symbol('requestId');
type WithRequestId = Request & { [REQUEST_ID]?: string };

/** A client's X-Request-Id is echoed when it is sane; otherwise a fresh UUID is assigned. */
export function resolveRequestId(header: unknown): string {
  return typeof header === 'string' && /^[A-Za-z0-9._:-]{1,128}$/.test(header) ? header : randomUUID();
}

export function requestIdOf(req: Request): string {
  const r = req as WithRequestId;
  r[REQUEST_ID] ??= resolveRequestId(req.headers['x-request-id']);
  return r[REQUEST_ID];
}

/** Every answer carries its request's id. */
export const requestIdHeader: RequestObserver = {
  start: (req: Request, res: Response) => res.setHeader('X-Request-Id', requestIdOf(req)),
};
