import { ArgumentsHost, Catch, ExceptionFilter, HttpException, HttpStatus, Logger } from '@nestjs/common';
import { ThrottlerException } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { RateLimitReason, ServiceMetrics } from '../system/service-metrics';
import { AppException, ErrorCode } from './error-codes';
import { requestIdOf } from './request-id';

interface BodyParserError {
  type?: string;
  status?: number;
  expose?: boolean;
}

const STATUS_CODES: Partial<Record<number, ErrorCode>> = {
  400: 'VALIDATION_ERROR',
  401: 'UNAUTHORIZED',
  403: 'FORBIDDEN',
  404: 'NOT_FOUND',
  409: 'CONFLICT',
  413: 'PAYLOAD_TOO_LARGE',
  415: 'UNSUPPORTED_MEDIA_TYPE',
  416: 'RANGE_NOT_SATISFIABLE',
  422: 'VALIDATION_ERROR',
  429: 'RATE_LIMIT_EXCEEDED',
  503: 'SERVICE_UNAVAILABLE',
};

/**
 * Turns anything thrown anywhere (guards, pipes, body parser, throttler, unknown routes, crashes) into the
 * one error envelope of the API contract. Internals of unexpected errors are logged, never returned.
 */
@Catch()
export class AllExceptionsFilter implements ExceptionFilter {
  private readonly logger = new Logger('Errors');

  constructor(private readonly metrics: ServiceMetrics) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    if (host.getType() !== 'http') return;
    const ctx = host.switchToHttp();
    const req = ctx.getRequest<Request>();
    const res = ctx.getResponse<Response>();
    const { status, code, message, details, headers } = this.describe(exception, req);
    if (status === 429) this.metrics.requestRateLimited(rateLimitReason(exception, code));
    if (status >= 500 && code === 'INTERNAL_ERROR') {
      this.logger.error({ err: exception, path: req.originalUrl }, 'unhandled error');
    }
    if (res.headersSent) {
      res.destroy();
      return;
    }
    // A failed file download may have set file headers already: the envelope is JSON whatever came before.
    for (const name of ['Content-Disposition', 'ETag', 'Last-Modified', 'Accept-Ranges']) res.removeHeader(name);
    res.setHeader('Content-Type', 'application/json; charset=utf-8');
    for (const [name, value] of Object.entries(headers)) res.setHeader(name, value);
    res.status(status).json({
      error: {
        message,
        error_code: code,
        details,
        timestamp: new Date().toISOString(),
        path: req.originalUrl?.split('?')[0] ?? req.url,
        request_id: requestIdOf(req),
      },
    });
  }

  private describe(exception: unknown, req: Request) {
    const none: Record<string, string> = {};
    if (exception instanceof AppException) {
      return {
        status: exception.getStatus(),
        code: exception.errorCode,
        message: exception.message,
        details: exception.details,
        headers: exception.headers,
      };
    }
    if (exception instanceof ThrottlerException) {
      const retryAfter = String(req.res?.getHeader('Retry-After') ?? 60);
      return {
        status: 429,
        code: 'RATE_LIMIT_EXCEEDED' as const,
        message: 'Too many requests; retry later',
        details: { retry_after_seconds: Number(retryAfter) },
        headers: { 'Retry-After': retryAfter },
      };
    }
    if (exception instanceof HttpException) {
      // The contract has no 400: a request the server cannot read (e.g. malformed JSON) is a 422.
      const status = exception.getStatus() === 400 ? 422 : exception.getStatus();
      const code = STATUS_CODES[status] ?? (status >= 500 ? 'INTERNAL_ERROR' : 'VALIDATION_ERROR');
      // Terminus puts each indicator's result in `details`: keep them for the readiness probe's reader.
      const body = exception.getResponse() as { details?: Record<string, unknown> };
      const details = typeof body === 'object' && body?.details ? { checks: body.details } : {};
      const message = exception.getStatus() === 400 && /JSON/i.test(exception.message) ? `Request body is not valid JSON: ${exception.message}` : exception.message;
      return { status, code, message, details, headers: none };
    }
    const parserError = exception as BodyParserError;
    if (parserError?.type === 'entity.too.large') {
      return { status: 413, code: 'PAYLOAD_TOO_LARGE' as const, message: 'Request body is too large', details: {}, headers: none };
    }
    if (parserError?.type === 'entity.parse.failed') {
      return { status: 422, code: 'VALIDATION_ERROR' as const, message: 'Request body is not valid JSON', details: {}, headers: none };
    }
    if (parserError?.type === 'encoding.unsupported' || parserError?.type === 'charset.unsupported') {
      return { status: 415, code: 'UNSUPPORTED_MEDIA_TYPE' as const, message: 'Unsupported body encoding', details: {}, headers: none };
    }
    // Any other body the parser could not read (it does not decompress as its Content-Encoding says, its length
    // is not Content-Length) is the client's fault, like malformed JSON.
    if (parserError?.status === 400 && parserError.expose === true) {
      return { status: 422, code: 'VALIDATION_ERROR' as const, message: 'Request body could not be read', details: {}, headers: none };
    }
    if (isDependencyOutage(exception)) {
      return {
        status: HttpStatus.SERVICE_UNAVAILABLE,
        code: 'SERVICE_UNAVAILABLE' as const,
        message: 'A backing service is unavailable; retry shortly',
        details: {},
        headers: { 'Retry-After': '5' },
      };
    }
    return {
      status: HttpStatus.INTERNAL_SERVER_ERROR,
      code: 'INTERNAL_ERROR' as const,
      message: 'An unexpected error occurred',
      details: {},
      headers: none,
    };
  }
}

/**
 * Every 429 passes here: the throttler's own exception is the per-caller limit, QUOTA_EXCEEDED the active-jobs
 * quota, and the one RATE_LIMIT_EXCEEDED the app raises itself is the failed-authentication limit (AuthGuard).
 */
function rateLimitReason(exception: unknown, code: ErrorCode): RateLimitReason {
  if (code === 'QUOTA_EXCEEDED') return 'quota';
  return exception instanceof AppException ? 'auth_failures' : 'rate_limit';
}

/** Redis (or another socket peer) away or stalled: a retryable 503, not a 500. */
function isDependencyOutage(exception: unknown): boolean {
  const err = exception as { name?: string; code?: string; message?: string } | undefined;
  return (
    err?.name === 'MaxRetriesPerRequestError' ||
    ['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE'].includes(err?.code ?? '') ||
    err?.message === 'Connection is closed.' ||
    err?.message === 'Command timed out' // ioredis's commandTimeout
  );
}
