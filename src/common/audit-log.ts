import type { Request, Response } from 'express';
import type { AuthenticatedRequest } from '../auth/auth.decorators';
import { requestIdOf } from './request-id';
import type { RequestObserver } from './request-observers';

const STATE_CHANGING = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export interface AuditLine {
  audit: true;
  request_id: string;
  /** The Clerk user id, or null for an API key or an unauthenticated caller. */
  user_id: string | null;
  /** The API key's configured name (never the key itself), or null. */
  api_key: string | null;
  method: string;
  /** The route template (`/api/v1/jobs/:job_id`), null when no route matched. */
  route: string | null;
  /** The ids named in the path (job_id, batch_id, file_id, configuration_id). */
  target: Record<string, string>;
  /** Where a created resource lives (the Location header), else null. */
  created: string | null;
  status: number;
  /** False when the client went away before the answer was sent. */
  completed: boolean;
}

/**
 * Who did what to which resource, and with what result, for one state-changing API request; null for any other
 * request. Built only from the authenticated identity, the route and its path ids: never a header, a query or
 * a body, so no credential can reach the audit trail.
 */
export function auditLine(req: Request, res: Response): AuditLine | null {
  if (!audited(req)) return null;
  const user = (req as AuthenticatedRequest).user;
  const route = (req.route as { path?: unknown } | undefined)?.path;
  const target = Object.fromEntries(
    Object.entries(req.params ?? {}).filter((param): param is [string, string] => param[0].endsWith('_id') && typeof param[1] === 'string'),
  );
  const location = res.getHeader('Location');
  return {
    audit: true,
    request_id: requestIdOf(req),
    user_id: user?.kind === 'user' ? user.userId : null,
    api_key: user?.kind === 'service' ? user.userId.replace(/^service:/, '') : null,
    method: req.method,
    route: typeof route === 'string' ? route : null,
    target,
    created: res.statusCode === 201 && typeof location === 'string' ? location : null,
    status: res.statusCode,
    completed: res.writableFinished,
  };
}

const audited = (req: Request): boolean => STATE_CHANGING.has(req.method) && req.originalUrl.startsWith('/api/v1/');

/** Writes one audit line per state-changing API request once its answer is sent (or the client is gone). */
export function auditLog(write: (line: AuditLine) => void): RequestObserver {
  return {
    end(req: Request, res: Response) {
      const line = auditLine(req, res);
      if (line) write(line);
    },
  };
}
