import type { OpenAPIObject } from '@nestjs/swagger';
import type { Request } from 'express';
import { BatchSummaryDto } from '../batch/dto/batch.dto';
import { ERROR_CODES } from '../common/error-codes';
import { JobStatusDto } from '../jobs/dto/job.dto';
import { JobUpdateEvent } from '../realtime/job-events.controller';

type Json = Record<string, unknown>;

/** The payloads both documents share, taken from the OpenAPI document's schemas (the DTO classes), never retyped. */
const SHARED_SCHEMAS = [JobUpdateEvent.name, JobStatusDto.name, BatchSummaryDto.name];
const SCHEMA_REF = '#/components/schemas/';
const ref = (path: string) => ({ $ref: path });
const schemaRef = (name: string) => ref(`${SCHEMA_REF}${name}`);

const JOB_UPDATE_EXAMPLE = {
  job_id: '3f0e2b9a-5c1d-4e8f-9a7b-2c6d8e0f1a2b',
  status: 'processing',
  progress: 40,
  current_stage: 'render',
  error_message: null,
  updated_at: '2026-01-15T10:30:00.000Z',
  batch_id: null,
};

/**
 * The AsyncAPI 3 document of the real-time interfaces: the Socket.IO namespace `/jobs` and the Server-Sent Events
 * stream of one job. Payload schemas are copied from the OpenAPI document (so both describe the same DTOs) and
 * turned into the JSON Schema AsyncAPI uses (OpenAPI 3.0's `nullable` becomes a `null` type, `example` `examples`).
 * Servers are filled in per request (see `asyncApiFor`).
 */
export function buildAsyncApiDocument(openapi: OpenAPIObject): Json {
  const socketSecurity = [ref('#/components/securitySchemes/handshakeToken')];
  return {
    asyncapi: '3.0.0',
    info: {
      title: `${openapi.info.title}: real-time updates`,
      version: openapi.info.version,
      description: [
        'Live job updates, two ways:',
        '',
        '- **Socket.IO** (v4), namespace `/jobs` on the HTTP server (path `/socket.io`): `io(BASE + "/jobs", { auth: { token } })` with a Clerk',
        '  session token, checked at the handshake (a missing or bad token fails the connection with `UNAUTHORIZED` and no detail;',
        '  a user already holding `MAX_SOCKETS_PER_USER` sockets on the instance, with `RATE_LIMIT_EXCEEDED`).',
        "  A connected socket receives `job.update` for every one of its user's jobs and `batch.update` for their batches, from",
        '  whichever API process saw the change; progress is thinned to one update per job per `REALTIME_PROGRESS_INTERVAL_MS`',
        '  (status changes are never dropped). Emit `job.status` with `{ job_id }` to read one job\'s status in the acknowledgement.',
        '- **Server-Sent Events**: `GET /api/v1/jobs/{job_id}/events` streams one job until its terminal event, resumable with `Last-Event-ID`',
        '  (at most `MAX_EVENT_STREAMS_PER_USER` open per user and instance).',
        '',
        'The HTTP API is described by `/openapi.json`.',
      ].join('\n'),
      license: openapi.info.license,
    },
    defaultContentType: 'application/json',
    servers: {
      socketio: {
        host: 'localhost:3000',
        protocol: 'ws',
        pathname: '/socket.io',
        title: 'Socket.IO on this instance',
        description: 'Socket.IO v4 (Engine.IO 4): WebSocket, or HTTP long-polling first when a client allows it.',
        security: socketSecurity,
      },
      http: {
        host: 'localhost:3000',
        protocol: 'http',
        title: 'HTTP on this instance',
        description: 'Server-Sent Events (`text/event-stream`) over HTTP/1.1.',
        security: [
          ref('#/components/securitySchemes/bearer'),
          ref('#/components/securitySchemes/apiKey'),
          ref('#/components/securitySchemes/queryToken'),
        ],
      },
    },
    channels: {
      jobs: {
        address: '/jobs',
        title: 'Socket.IO namespace /jobs',
        description: "One per user: each socket joins its user's room at the handshake and stays there until it disconnects.",
        servers: [ref('#/servers/socketio')],
        messages: {
          jobUpdate: ref('#/components/messages/jobUpdate'),
          batchUpdate: ref('#/components/messages/batchUpdate'),
          sessionExpired: ref('#/components/messages/sessionExpired'),
          jobStatusRequest: ref('#/components/messages/jobStatusRequest'),
          subscribeRequest: ref('#/components/messages/subscribeRequest'),
          jobStatusReply: ref('#/components/messages/jobStatusReply'),
        },
      },
      jobEvents: {
        address: '/api/v1/jobs/{job_id}/events',
        title: 'Server-Sent Events of one job',
        description: [
          'Framing (`text/event-stream`): a `retry: 3000` first, then one event per change of the job:',
          '',
          '```',
          'id: 1736937000000-0',
          'event: job.update',
          'data: {"job_id":"…","status":"processing","progress":40,…}',
          '```',
          '',
          'and `: heartbeat <time>` comment lines every `SSE_HEARTBEAT_MS`. The server closes the stream after the terminal',
          '`job.update` (completed, failed or cancelled), or after `job.deleted` when the job is deleted. Reconnect with the',
          "`Last-Event-ID` header (or `last_event_id`) to resume: nothing is missed or repeated; resumed after the terminal",
          "event, the answer is 204 with no stream, so an EventSource stops reconnecting. An unknown or another user's",
          'job is a 404 in the JSON error envelope before the stream starts.',
        ].join('\n'),
        servers: [ref('#/servers/http')],
        parameters: { job_id: { description: 'The job to follow (a UUID).' } },
        messages: {
          jobUpdate: ref('#/components/messages/sseJobUpdate'),
          jobDeleted: ref('#/components/messages/sseJobDeleted'),
        },
      },
    },
    operations: {
      sendJobUpdate: {
        action: 'send',
        channel: ref('#/channels/jobs'),
        summary: "Every change of one of the user's jobs",
        messages: [ref('#/channels/jobs/messages/jobUpdate')],
      },
      sendBatchUpdate: {
        action: 'send',
        channel: ref('#/channels/jobs'),
        summary: "The summary of one of the user's batches, after a change of one of its jobs",
        messages: [ref('#/channels/jobs/messages/batchUpdate')],
      },
      sendSessionExpired: {
        action: 'send',
        channel: ref('#/channels/jobs'),
        summary: 'The token that opened the socket has expired; the server disconnects the socket right after',
        description: 'Reconnect with a fresh token (socket.io-client: update `socket.auth` and call `socket.connect()`).',
        messages: [ref('#/channels/jobs/messages/sessionExpired')],
      },
      receiveJobStatus: {
        action: 'receive',
        channel: ref('#/channels/jobs'),
        summary: "Read one of the user's jobs: its status comes back in the acknowledgement",
        description: 'With socket.io-client: `const ack = await socket.emitWithAck("job.status", { job_id })`.',
        messages: [ref('#/channels/jobs/messages/jobStatusRequest')],
        reply: { channel: ref('#/channels/jobs'), messages: [ref('#/channels/jobs/messages/jobStatusReply')] },
      },
      receiveSubscribe: {
        action: 'receive',
        channel: ref('#/channels/jobs'),
        summary: 'Deprecated alias of job.status (removed in 0.2.0)',
        description:
          'Answered exactly as `job.status`. It subscribes to nothing: every socket already receives all of its user\'s jobs from the handshake on.',
        tags: [{ name: 'deprecated' }],
        messages: [ref('#/channels/jobs/messages/subscribeRequest')],
        reply: { channel: ref('#/channels/jobs'), messages: [ref('#/channels/jobs/messages/jobStatusReply')] },
      },
      sendJobEvents: {
        action: 'send',
        channel: ref('#/channels/jobEvents'),
        summary: 'The stream of one job, opened by `GET /api/v1/jobs/{job_id}/events`',
        bindings: {
          http: {
            method: 'GET',
            query: {
              type: 'object',
              properties: {
                access_token: { type: 'string', description: 'The bearer token, for EventSource clients that cannot send headers' },
                last_event_id: { type: 'string', pattern: '^\\d+-\\d+$', description: 'Resume after this event id (as the Last-Event-ID header)' },
              },
            },
            bindingVersion: '0.3.0',
          },
        },
        messages: [ref('#/channels/jobEvents/messages/jobUpdate'), ref('#/channels/jobEvents/messages/jobDeleted')],
      },
    },
    components: {
      schemas: {
        ...pickSchemas(openapi, SHARED_SCHEMAS),
        JobStatusRequest: {
          type: 'object',
          properties: { job_id: { type: 'string', format: 'uuid' } },
          required: ['job_id'],
        },
        SocketError: {
          type: 'object',
          description: 'The acknowledgement when the job cannot be read: NOT_FOUND for a malformed id, an unknown job or another user\'s',
          properties: {
            error: {
              type: 'object',
              properties: { error_code: { type: 'string', enum: Object.keys(ERROR_CODES) }, message: { type: 'string' } },
              required: ['error_code', 'message'],
            },
          },
          required: ['error'],
          examples: [{ error: { error_code: 'NOT_FOUND', message: 'Job not found' } }],
        },
        SessionExpired: {
          type: 'object',
          properties: { error_code: { type: 'string', const: 'UNAUTHORIZED' }, message: { type: 'string' } },
          required: ['error_code', 'message'],
          examples: [{ error_code: 'UNAUTHORIZED', message: 'token expired' }],
        },
        JobDeleted: {
          type: 'object',
          properties: { job_id: { type: 'string', format: 'uuid' } },
          required: ['job_id'],
        },
      },
      messages: {
        jobUpdate: {
          name: 'job.update',
          title: 'Job update',
          summary: 'The public view of a job after a change: status, progress, stage, error',
          payload: schemaRef(JobUpdateEvent.name),
          examples: [{ name: 'processing', payload: JOB_UPDATE_EXAMPLE }],
        },
        batchUpdate: {
          name: 'batch.update',
          title: 'Batch update',
          summary: 'The batch summary, as GET /api/v1/batches/{batch_id} answers it without its jobs',
          payload: schemaRef(BatchSummaryDto.name),
        },
        sessionExpired: {
          name: 'session.expired',
          title: 'Session expired',
          payload: schemaRef('SessionExpired'),
        },
        jobStatusRequest: {
          name: 'job.status',
          title: 'Job status request',
          payload: schemaRef('JobStatusRequest'),
          examples: [{ payload: { job_id: JOB_UPDATE_EXAMPLE.job_id } }],
        },
        subscribeRequest: {
          name: 'subscribe',
          title: 'Job status request (deprecated name)',
          summary: 'Deprecated: emit job.status instead',
          payload: schemaRef('JobStatusRequest'),
        },
        jobStatusReply: {
          name: 'job.status acknowledgement',
          title: 'Job status acknowledgement',
          summary: 'The job as GET /api/v1/videos/jobs/{job_id}/status answers it, or an error',
          payload: { oneOf: [schemaRef(JobStatusDto.name), schemaRef('SocketError')] },
        },
        sseJobUpdate: {
          name: 'job.update',
          title: 'Job update (SSE)',
          summary: 'event: job.update; data: the JSON below; id: the event id to resume from',
          contentType: 'application/json',
          payload: schemaRef(JobUpdateEvent.name),
          examples: [{ name: 'processing', payload: JOB_UPDATE_EXAMPLE }],
        },
        sseJobDeleted: {
          name: 'job.deleted',
          title: 'Job deleted (SSE)',
          summary: 'The last event of a job that was deleted (no id)',
          payload: schemaRef('JobDeleted'),
        },
      },
      securitySchemes: {
        handshakeToken: {
          type: 'http',
          scheme: 'bearer',
          bearerFormat: 'JWT',
          description: 'A Clerk session token in the handshake: `auth: { token }` (or an `Authorization: Bearer` header). API keys are not accepted here.',
        },
        bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT', description: 'A Clerk session token' },
        apiKey: { type: 'httpApiKey', in: 'header', name: 'X-API-Key', description: 'An internal service key with the jobs:read scope' },
        queryToken: { type: 'httpApiKey', in: 'query', name: 'access_token', description: 'The Clerk session token, for browsers\' EventSource' },
      },
    },
  };
}

/** The document as served to one request: its servers are the host and scheme the request came in by. */
export function asyncApiFor(document: Json, req: Request): Json {
  const host = req.get('host') ?? 'localhost';
  const secure = req.protocol === 'https';
  const servers = document.servers as Record<string, Json>;
  return {
    ...document,
    servers: {
      socketio: { ...servers.socketio, host, protocol: secure ? 'wss' : 'ws' },
      http: { ...servers.http, host, protocol: secure ? 'https' : 'http' },
    },
  };
}

/** The named schemas and every schema they refer to, as JSON Schema. */
function pickSchemas(openapi: OpenAPIObject, names: string[]): Record<string, Json> {
  const all = (openapi.components?.schemas ?? {}) as Record<string, Json>;
  const picked: Record<string, Json> = {};
  const pending = [...names];
  for (let name = pending.pop(); name !== undefined; name = pending.pop()) {
    if (picked[name]) continue;
    const schema = all[name];
    if (!schema) throw new Error(`AsyncAPI: the OpenAPI document has no schema ${name}`);
    picked[name] = toJsonSchema(schema, (target) => pending.push(target));
  }
  return picked;
}

/** OpenAPI 3.0 schema -> JSON Schema: `nullable` as a null type, `example` as `examples`; reports each $ref. */
function toJsonSchema(schema: Json, onRef: (name: string) => void): Json {
  const out: Json = {};
  for (const [key, value] of Object.entries(schema)) {
    if (key === 'nullable' || key === 'example') continue;
    if (key === '$ref' && typeof value === 'string' && value.startsWith(SCHEMA_REF)) onRef(value.slice(SCHEMA_REF.length));
    if (key === 'properties') out[key] = mapValues(value as Record<string, Json>, (s) => toJsonSchema(s, onRef));
    else if (key === 'items' || (key === 'additionalProperties' && typeof value === 'object')) out[key] = toJsonSchema(value as Json, onRef);
    else if (key === 'allOf' || key === 'oneOf' || key === 'anyOf') out[key] = (value as Json[]).map((s) => toJsonSchema(s, onRef));
    else out[key] = value;
  }
  if ('example' in schema) out.examples = [schema.example];
  if (schema.nullable !== true) return out;
  if (typeof out.type === 'string' && !out.$ref) {
    out.type = [out.type, 'null'];
    if (Array.isArray(out.enum)) out.enum = [...(out.enum as unknown[]), null];
    return out;
  }
  return { oneOf: [out, { type: 'null' }] };
}

function mapValues<T, U>(record: Record<string, T>, fn: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, fn(value)]));
}
