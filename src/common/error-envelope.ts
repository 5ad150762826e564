import { ApiProperty } from '@nestjs/swagger';

class ErrorBody {
  @ApiProperty({ example: 'topic must be 1-500 characters' }) message!: string;
  @ApiProperty({ example: 'VALIDATION_ERROR' }) error_code!: string;
  @ApiProperty({
    type: 'object',
    properties: {
      fields: {
        type: 'array',
        description: 'VALIDATION_ERROR: each field (or `items[3].topic`, header name…) and what is wrong with it',
        items: {
          type: 'object',
          properties: { field: { type: 'string' }, errors: { type: 'array', items: { type: 'string' } } },
          required: ['field', 'errors'],
        },
      },
    },
    additionalProperties: true,
    description:
      'Machine-readable context of the error, by code: `fields` for VALIDATION_ERROR; others add their own keys, e.g. `status` ' +
      '(JOB_NOT_CANCELLABLE), `size` (RANGE_NOT_SATISFIABLE), `retry_after_seconds`, `max_queue_depth`. Empty when there is none.',
    example: { fields: [{ field: 'topic', errors: ['topic must be 1-500 characters'] }] },
  })
  details!: Record<string, unknown>;
  @ApiProperty({ example: '2026-01-15T10:30:00.000Z' }) timestamp!: string;
  @ApiProperty({ example: '/api/v1/videos/generate' }) path!: string;
  @ApiProperty({ example: '6f1c0b9e-2f7e-4d55-9c55-0b7f4c1f2a11' }) request_id!: string;
}

/** The single error shape of every failing response (documented once, referenced by every route). */
export class ErrorEnvelope {
  @ApiProperty({ type: ErrorBody }) error!: ErrorBody;
}
