import { applyDecorators } from '@nestjs/common';
import { ApiBearerAuth, ApiResponse, ApiSecurity, HeadersObject } from '@nestjs/swagger';
import { ErrorEnvelope } from './error-envelope';

const DESCRIPTIONS: Record<number, string> = {
  401: 'Missing or invalid credentials (UNAUTHORIZED)',
  403: 'Not allowed (FORBIDDEN)',
  404: 'Not found, or not yours (NOT_FOUND)',
  409: 'Conflict with the job state',
  413: 'Body too large (PAYLOAD_TOO_LARGE)',
  415: 'Body is not JSON (UNSUPPORTED_MEDIA_TYPE)',
  416: 'Range not satisfiable',
  422: 'Validation failed (VALIDATION_ERROR): details.fields lists each field',
  429: 'Rate limited (RATE_LIMIT_EXCEEDED) or, on submissions, past the active-jobs quota (QUOTA_EXCEEDED); see Retry-After',
  503: 'Temporarily unavailable (QUEUE_FULL / SERVICE_UNAVAILABLE), see Retry-After',
};

/** Documents the error envelope for the given statuses, plus 401/429 and the security schemes of authed routes. */
export function ApiErrors(...statuses: number[]) {
  return applyDecorators(
    ApiBearerAuth('clerk'),
    ApiSecurity('api-key'),
    ...[401, 429, ...statuses].map((status) =>
      ApiResponse({ status, description: DESCRIPTIONS[status] ?? 'Error', type: ErrorEnvelope }),
    ),
  );
}

/** The `Location` header of a 201: where the created resource can be read. */
export function locationHeader(template: string): HeadersObject {
  return { Location: { description: `The created resource: \`${template}\``, schema: { type: 'string', example: template } } };
}
