import type { NextFunction, Request, Response } from 'express';
import { AppException } from './error-codes';

const hasBody = (req: Request) =>
  req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * Routes that take a JSON body refuse other media types with 415 before anything parses them
 * (multipart upload routes opt out by path).
 */
export function requireJsonBody(exceptPrefixes: string[] = []) {
  return (req: Request, _res: Response, next: NextFunction): void => {
    const writes = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
    if (!writes || !hasBody(req) || exceptPrefixes.some((p) => req.path.startsWith(p))) return next();
    const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
    if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return next();
    next(new AppException('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got "${type || 'none'}"`));
  };
}

/** Deeper than any request of the API needs, far shallower than what overflows the validation pipe's recursion. */
const MAX_JSON_DEPTH = 32;

/**
 * A parsed body nested deeper than MAX_JSON_DEPTH is a 422 before validation, which recurses through it and would
 * overflow the stack (a 500). Walks the body with an explicit stack for the same reason.
 */
export function limitJsonDepth(req: Request, _res: Response, next: NextFunction): void {
  next(jsonDepthExceeds(req.body, MAX_JSON_DEPTH) ? new AppException('VALIDATION_ERROR', `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`) : undefined);
}

function jsonDepthExceeds(value: unknown, maxDepth: number): boolean {
  const pending: Array<[unknown, number]> = [[value, 1]];
  for (let item = pending.pop(); item !== undefined; item = pending.pop()) {
    const [node, depth] = item;
    if (typeof node !== 'object' || node === null) continue;
    if (depth > maxDepth) return true;
    for (const child of Object.values(node)) pending.push([child, depth + 1]);
  }
  return false;
}
