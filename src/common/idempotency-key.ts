import { Headers } from '@nestjs/common';
import { ApiHeader } from '@nestjs/swagger';
import { AppException } from './error-codes';

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

/** The `Idempotency-Key` request header, checked: 1-255 visible ASCII characters (422 otherwise). */
export function idempotencyKeyOf(value: string | undefined): string | undefined {
  if (value !== undefined && !IDEMPOTENCY_KEY.test(value)) {
    throw new AppException('VALIDATION_ERROR', 'Idempotency-Key must be 1-255 visible ASCII characters', {
      fields: [{ field: 'Idempotency-Key', errors: ['must be 1-255 visible ASCII characters'] }],
    });
  }
  return value;
}

/** The header as a route parameter. */
export const IdempotencyKeyHeader = () => Headers('idempotency-key');

/** Its OpenAPI description on a submission route. */
export const ApiIdempotencyKey = (what: string) =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: `The same key and the same body from the same caller within 24 h answer the first ${what} again (header Idempotent-Replayed: true) instead of creating another; the same key with another body is 409 CONFLICT`,
  });
