/**
 * The video-job-service SDK: every operation of the OpenAPI document as a typed function (generated into ./gen by
 * `npm run sdk`), a client factory with the service's credentials and error envelope, and helpers for live updates.
 */
export * from './gen';
export { createVgsClient, VgsApiError, VgsConnectionError, VgsTimeoutError, type VgsClientOptions } from './client';
export { isTerminal, jobEvents, type JobState, type JobUpdate } from './sse';
export { JobUpdates, type BatchUpdate, type JobUpdatesOptions } from './socket';
export type { Client } from './gen/client';
