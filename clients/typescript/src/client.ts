import { createClient, createConfig, type Client } from './gen/client';
import type { ClientOptions, ErrorBody } from './gen/types.gen';

export interface VgsClientOptions {
  /** The service's base URL, e.g. `http://localhost:3000` (no `/api/v1`: the operations carry it). */
  baseUrl: string;
  /** A Clerk session token (or a development token from `npm run token`), sent as `Authorization: Bearer`. */
  token?: string;
  /** An API key, sent as `X-API-Key`. */
  apiKey?: string;
  fetch?: typeof fetch;
}

/** An error answer of the service: its status and the error envelope's fields. */
export class VgsApiError extends Error {
  override readonly name = 'VgsApiError';
  readonly code: string;
  readonly details: ErrorBody['details'];
  readonly requestId?: string;
  /** Seconds to wait before trying again (429 and 503 answers). */
  readonly retryAfter?: number;

  constructor(
    readonly status: number,
    body: unknown,
    headers?: Headers,
  ) {
    const envelope = (body as { error?: Partial<ErrorBody> } | null)?.error;
    super(envelope?.message ?? (typeof body === 'string' && body ? body : `HTTP ${status}`));
    this.code = envelope?.error_code ?? `HTTP_${status}`;
    this.details = envelope?.details ?? {};
    this.requestId = envelope?.request_id ?? headers?.get('x-request-id') ?? undefined;
    const retryAfter = Number(headers?.get('retry-after') ?? NaN);
    if (Number.isFinite(retryAfter)) this.retryAfter = retryAfter;
  }
}

/** The service could not be reached at all (refused, DNS, TLS, reset). */
export class VgsConnectionError extends Error {
  override readonly name = 'VgsConnectionError';
  constructor(baseUrl: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    super(`cannot reach ${baseUrl}: ${reason?.code ?? reason?.message ?? (cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/**
 * A client for the generated operations: `getJob({ client, path: { job_id } })`. Every failure is a `VgsApiError`
 * (an error answer) or a `VgsConnectionError`: returned as `error`, or thrown with `throwOnError: true`.
 */
export function createVgsClient(options: VgsClientOptions): Client {
  const baseUrl = options.baseUrl.replace(/\/+$/, '');
  const client = createClient(
    createConfig<ClientOptions>({
      baseUrl,
      fetch: options.fetch,
      // Called once per security scheme an operation accepts: bearer (http) and X-API-Key (apiKey).
      auth: (scheme) => (scheme.type === 'http' ? options.token : options.apiKey),
    }),
  );
  client.interceptors.error.use((error, response) => (response ? new VgsApiError(response.status, error, response.headers) : new VgsConnectionError(baseUrl, error)));
  return client;
}
