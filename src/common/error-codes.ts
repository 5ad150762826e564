import { HttpException, HttpStatus } from '@nestjs/common';

export const ERROR_CODES = {
  VALIDATION_ERROR: HttpStatus.UNPROCESSABLE_ENTITY,
  BATCH_TOO_LARGE: HttpStatus.UNPROCESSABLE_ENTITY,
  UNAUTHORIZED: HttpStatus.UNAUTHORIZED,
  FORBIDDEN: HttpStatus.FORBIDDEN,
  NOT_FOUND: HttpStatus.NOT_FOUND,
  JOB_NOT_COMPLETED: HttpStatus.CONFLICT,
  JOB_NOT_CANCELLABLE: HttpStatus.CONFLICT,
  CONFLICT: HttpStatus.CONFLICT,
  PAYLOAD_TOO_LARGE: HttpStatus.PAYLOAD_TOO_LARGE,
  UNSUPPORTED_MEDIA_TYPE: HttpStatus.UNSUPPORTED_MEDIA_TYPE,
  RANGE_NOT_SATISFIABLE: HttpStatus.REQUESTED_RANGE_NOT_SATISFIABLE,
  RATE_LIMIT_EXCEEDED: HttpStatus.TOO_MANY_REQUESTS,
  QUOTA_EXCEEDED: HttpStatus.TOO_MANY_REQUESTS,
  QUEUE_FULL: HttpStatus.SERVICE_UNAVAILABLE,
  SERVICE_UNAVAILABLE: HttpStatus.SERVICE_UNAVAILABLE,
  INTERNAL_ERROR: HttpStatus.INTERNAL_SERVER_ERROR,
} as const;
export type ErrorCode = keyof typeof ERROR_CODES;

/** The one exception type services throw: a code from the contract, a message and optional details. */
export class AppException extends HttpException {
  constructor(
    readonly errorCode: ErrorCode,
    message: string,
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message, ERROR_CODES[errorCode]);
  }
}

export const notFound = (what: string) => new AppException('NOT_FOUND', `${what} not found`);
