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

/**
 * An error answer of the service: its status and the error envelope's fields. An answer without the envelope (a
 * proxy's error page, another server at the URL) has the code `HTTP_<status>` and a message saying so.
 */
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
    url?: string,
  ) {
    const envelope = isEnvelope(body) ? body.error : undefined;
    super(envelope?.message ?? notThisService(status, url, headers));
    this.code = envelope?.error_code ?? `HTTP_${status}`;
    this.details = envelope?.details ?? {};
    this.requestId = envelope?.request_id ?? headers?.get('x-request-id') ?? undefined;
    const retryAfter = Number(headers?.get('retry-after') ?? NaN);
    if (Number.isFinite(retryAfter)) this.retryAfter = retryAfter;
  }
}

function isEnvelope(body: unknown): body is { error: Partial<ErrorBody> & Pick<ErrorBody, 'message' | 'error_code'> } {
  const error = (body as { error?: Partial<ErrorBody> } | null)?.error;
  return typeof error?.message === 'string' && typeof error.error_code === 'string';
}

/**
 * What to say of an answer that is not this service's, in one line whatever its body (an HTML page would be many).
 * The URL without its query, which may carry a token (`access_token`).
 */
export function notThisService(status: number, url: string | undefined, headers: Headers | undefined): string {
  const from = url ? ` from ${url.replace(/[?#].*$/, '')}` : '';
  return `HTTP ${status}${from}: not a response of this service (${headers?.get('content-type')?.split(';')[0] || 'no content type'})`;
}

/** The service could not be reached (refused, DNS, TLS, reset), or the connection to it was lost for good. */
export class VgsConnectionError extends Error {
  override readonly name = 'VgsConnectionError';
  constructor(baseUrl: string, cause: unknown) {
    const reason = (cause as { cause?: { code?: string; message?: string } })?.cause;
    super(`cannot reach ${baseUrl}: ${reason?.code ?? reason?.message ?? (cause as Error)?.message ?? String(cause)}`, { cause });
  }
}

/** A wait that the caller bounded (`waitForJob`'s `timeoutMs`) ran out before the job ended. */
export class VgsTimeoutError extends Error {
  override readonly name = 'VgsTimeoutError';
  constructor(
    readonly jobId: string,
    readonly timeoutMs: number,
    /** The job's state when the wait ended, if any was seen. */
    readonly lastState?: { status: string },
  ) {
    super(`job ${jobId} did not end within ${timeoutMs} ms${lastState ? ` (last seen ${lastState.status})` : ''}`);
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
  client.interceptors.error.use((error, response) =>
    response ? new VgsApiError(response.status, error, response.headers, response.url) : new VgsConnectionError(baseUrl, error),
  );
  return client;
}
