import { json, type NextFunction, type Request, type RequestHandler, type Response } from 'express';
import { AppException } from './error-codes';

const framesBody = (req: Request) => req.headers['transfer-encoding'] !== undefined || req.headers['content-length'] !== undefined;
const hasBody = (req: Request) => req.headers['transfer-encoding'] !== undefined || Number(req.headers['content-length'] ?? 0) > 0;

/**
 * The JSON body parser and its checks, in one step that a request without a body (most of the traffic) passes
 * at once. Routes that take a JSON body refuse other media types with 415 before anything parses them (multipart
 * upload routes, `exceptPrefixes`, opt out), and a parsed body nested too deep is refused before validation.
 */
export function jsonBody(limit: number | string, exceptPrefixes: string[] = []): RequestHandler {
  // Every type mediaTypeRefusal lets through is parsed: body-parser alone reads only application/json, and would
  // hand a vendor type's body on as empty (a PUT then reset the settings it did not see).
  const parse = json({ limit, strict: true, type: ['application/json', 'application/*+json'] });
  return (req: Request, res: Response, next: NextFunction): void => {
    if (!framesBody(req)) return next(); // as the parser itself would: no body to parse or check
    const refusal = hasBody(req) ? mediaTypeRefusal(req, exceptPrefixes) : undefined;
    if (refusal) return next(refusal);
    parse(req, res, (err?: unknown) => next(err ?? depthRefusal(req.body)));
  };
}

function mediaTypeRefusal(req: Request, exceptPrefixes: string[]): AppException | undefined {
  const writes = req.method === 'POST' || req.method === 'PUT' || req.method === 'PATCH';
  if (!writes || exceptPrefixes.some((p) => req.path.startsWith(p))) return undefined;
  const type = (req.headers['content-type'] ?? '').split(';')[0].trim().toLowerCase();
  if (type === 'application/json' || /^application\/[a-z0-9.+-]+\+json$/.test(type)) return undefined;
  return new AppException('UNSUPPORTED_MEDIA_TYPE', `Content-Type must be application/json, got "${type || 'none'}"`);
}

/** Deeper than any request of the API needs, far shallower than what overflows the validation pipe's recursion. */
const MAX_JSON_DEPTH = 32;

/**
 * A parsed body nested deeper than MAX_JSON_DEPTH is a 422 before validation, which recurses through it and would
 * overflow the stack (a 500). Walks the body with an explicit stack for the same reason.
 */
function depthRefusal(body: unknown): AppException | undefined {
  return jsonDepthExceeds(body, MAX_JSON_DEPTH) ? new AppException('VALIDATION_ERROR', `Request body is nested deeper than ${MAX_JSON_DEPTH} levels`) : undefined;
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
