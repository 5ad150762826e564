/** The service's API as the console uses it: JSON over fetch with the session's bearer token, errors as ApiError. */

export type JobStatus = 'queued' | 'processing' | 'completed' | 'failed' | 'cancelled';

export interface Job {
  job_id: string;
  status: JobStatus;
  progress: number;
  current_stage: string | null;
  error_message: string | null;
  created_at: string;
  /** When the state last changed: of two states of a job, the later one is the newer. */
  updated_at: string;
  configuration: { topic: string; quality: string };
}

/** The Socket.IO `job.update` payload: the fields of a job that change. */
export type JobUpdate = Pick<Job, 'job_id' | 'status' | 'progress' | 'current_stage' | 'error_message' | 'updated_at'>;

export interface DownloadUrls {
  video_url: string;
  captions_url: string | null;
  thumbnail_url: string;
  expires_at: string;
}

/** One error envelope, kept whole: the message for people, the code and field details for the form. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly fields: Array<{ field: string; errors: string[] }> = [],
  ) {
    super(message);
  }
}

export type TokenSource = () => Promise<string>;

export class Api {
  constructor(private readonly token: TokenSource) {}

  me = () => this.call<{ user_id: string; is_admin: boolean }>('GET', '/api/v1/users/me');
  /** A page of the user's jobs, newest first: the first, or the one after `cursor` (a page's next_cursor). */
  jobs = (limit: number, cursor?: string) => {
    const query = new URLSearchParams({ items_per_page: String(limit) });
    if (cursor) query.set('cursor', cursor);
    return this.call<{ data: Job[]; next_cursor: string | null }>('GET', `/api/v1/jobs?${query}`);
  };
  /** The same key with the same request answers the job it created instead of creating another (API.md). */
  submit = (request: Record<string, unknown>, idempotencyKey: string) =>
    this.call<Job>('POST', '/api/v1/videos/generate', request, { 'Idempotency-Key': idempotencyKey });
  cancel = (jobId: string) => this.call<Job>('POST', `/api/v1/jobs/${jobId}/cancel`);
  remove = (jobId: string) => this.call<void>('DELETE', `/api/v1/jobs/${jobId}`);
  downloadUrls = (jobId: string) => this.call<DownloadUrls>('POST', `/api/v1/videos/jobs/${jobId}/download-url`);

  private async call<T>(method: string, path: string, body?: unknown, extraHeaders: Record<string, string> = {}): Promise<T> {
    const headers: Record<string, string> = { ...extraHeaders, Authorization: `Bearer ${await this.token()}` };
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    if (res.status === 204) return undefined as T;
    const payload = (await res.json().catch(() => null)) as { error?: { error_code: string; message: string; details?: { fields?: ApiError['fields'] } } } | null;
    if (!res.ok) {
      const error = payload?.error;
      throw new ApiError(res.status, error?.error_code ?? 'HTTP_ERROR', error?.message ?? `${method} ${path}: HTTP ${res.status}`, error?.details?.fields ?? []);
    }
    return payload as T;
  }
}

/**
 * A random (version 4) UUID, from getRandomValues: crypto.randomUUID exists only in secure contexts, and the console
 * may be opened over plain http (a development machine on the local network).
 */
export function randomUuid(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  bytes[6] = (bytes[6] & 0x0f) | 0x40; // version 4
  bytes[8] = (bytes[8] & 0x3f) | 0x80; // RFC 4122 variant
  const hex = Array.from(bytes, (b) => b.toString(16).padStart(2, '0')).join('');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}
