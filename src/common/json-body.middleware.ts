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
