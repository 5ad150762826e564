import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { API_KEY_SCOPES, AppRole, clerkFrontendApiOrigin, Environment } from './environment';
import { RedisTarget, redisTarget } from '../redis/redis-options';
import { parseTrustProxy, TrustProxy } from './trust-proxy';

export type ApiKeyScope = (typeof API_KEY_SCOPES)[number];
export interface ApiKeyConfig {
  name: string;
  sha256: string;
  scopes: ApiKeyScope[];
}

const list = (value: string) =>
  value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);

/** An S3-compatible bucket (validated: bucket and credentials are set whenever STORAGE_DRIVER=s3). */
export interface S3Settings {
  /** Unset: AWS S3 in `region`. */
  endpoint?: string;
  region: string;
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  forcePathStyle: boolean;
  /** Downloads streamed through the API (`proxy`) or a 302 to a presigned URL (`redirect`). */
  downloadMode: Environment['DOWNLOAD_MODE'];
  presignTtlSeconds: number;
}

/**
 * The origin presigned URLs point at (what a browser follows a download's 302 to): the endpoint itself with path-style
 * addressing, else the bucket as a subdomain of it; AWS's regional host when no endpoint is set.
 */
export function bucketOrigin(s3: S3Settings): string {
  const endpoint = new URL(s3.endpoint ?? `https://s3.${s3.region}.amazonaws.com`);
  return s3.forcePathStyle ? endpoint.origin : `${endpoint.protocol}//${s3.bucket}.${endpoint.host}`;
}

/** .env files carry PEM keys on one line with literal "\n": turn them back into a real PEM. */
export function normalisePem(value: string): string {
  return value.replace(/\\n/g, '\n').replace(/\r/g, '').trim() + '\n';
}

/** The typed, derived view of the validated environment that the rest of the code reads. */
export class AppConfig {
  readonly nodeEnv: Environment['NODE_ENV'];
  readonly isProduction: boolean;
  readonly port: number;
  readonly host: string;
  /** The one Redis node, Sentinel-found master or Redis Cluster (REDIS_URL, REDIS_CLUSTER_NODES). */
  readonly redis: RedisTarget;
  /**
   * The prefix of every key as written, BullMQ's included: REDIS_KEY_PREFIX, or on a cluster `{REDIS_KEY_PREFIX}`,
   * one hash tag that puts every key in one slot (so each script's keys, and BullMQ's, share it).
   */
  readonly redisKeyPrefix: string;
  readonly trustProxy: TrustProxy;
  /** Milliseconds a command of the shared client (and the rate limiter's) may go unanswered; undefined = no limit. */
  readonly redisCommandTimeoutMs: number | undefined;
  readonly clerk: {
    jwtKey?: string;
    secretKey?: string;
    apiUrl?: string;
    authorizedParties: string[];
  };
  readonly adminUserIds: ReadonlySet<string>;
  /** The session-token claim that makes an admin (ADMIN_CLAIM); none when unset. */
  readonly adminClaim?: { path: string[]; value: string };
  readonly apiKeys: ApiKeyConfig[];
  readonly dataDir: string;
  readonly storageDir: string;
  /** STORAGE_DRIVER=s3: the bucket finished files and uploads live in (STORAGE_DIR is then scratch only); unset: local. */
  readonly s3?: S3Settings;
  readonly role: AppRole;
  readonly runsApi: boolean;
  readonly runsWorker: boolean;
  readonly workerConcurrency: number;
  /** The name this worker gives itself in job logs: WORKER_NAME, else the host name. */
  readonly workerName: string;
  readonly pipeline: Environment['PIPELINE'];
  readonly ffmpegThreads: number;
  /** PIPELINE=command: the generator's command line (split without a shell), time limit and kill grace. */
  readonly pipelineCommand?: string;
  readonly pipelineTimeoutSeconds: number;
  readonly pipelineKillGraceMs: number;
  /** PIPELINE=command: the generator's whole environment (allow-listed, never the service's secrets). */
  readonly pipelineEnv: Readonly<Record<string, string>>;
  /** Built-in pipeline: the planning model, when LLM_BASE_URL is set. */
  readonly llm?: { baseUrl: string; apiKey?: string; model: string; timeoutSeconds: number };
  /** Built-in pipeline: the speech endpoint, when TTS_BASE_URL is set. */
  readonly tts?: { baseUrl: string; apiKey?: string; model: string; voice: string; timeoutSeconds: number };
  readonly logLevel: Environment['LOG_LEVEL'];
  readonly logPretty: boolean;
  readonly maxQueueDepth: number;
  /** Media uploads decoded at once in this process, and how many more may wait for a turn. */
  readonly uploadDecodeConcurrency: number;
  readonly uploadDecodeQueue: number;
  /** Jobs a user may have queued or processing at once; 0 = no limit. */
  readonly maxActiveJobsPerUser: number;
  readonly queueReconcileIntervalMs: number;
  readonly bodyLimit: string;
  readonly jobMaxAttempts: number;
  readonly jobBackoffMs: number;
  readonly stalledIntervalMs: number;
  readonly shutdownGraceMs: number;
  readonly tombstoneRetentionSeconds: number;
  /** Finished jobs are removed this long after they finished; 0 = kept forever. */
  readonly jobRetentionMs: number;
  readonly minFreeDiskBytes: number;
  readonly minFreeMemoryBytes: number;
  readonly renderMinFreeDiskBytes: number;
  readonly rateLimitPerMinute: number;
  /** Failed authentications per client IP per minute before its credentials are no longer even checked. */
  readonly authFailuresPerMinute: number;
  /** Allowed browser origins for HTTP and Socket.IO; `true` for any, empty for none. */
  readonly corsOrigins: string[] | true;
  readonly realtimeProgressIntervalMs: number;
  readonly sseHeartbeatMs: number;
  /** Server-Sent Events streams one user may hold open on this instance at once; 0 = no limit. */
  readonly maxEventStreamsPerUser: number;
  /** Socket.IO connections one user may hold open on this instance at once; 0 = no limit. */
  readonly maxSocketsPerUser: number;
  readonly dashboardCacheTtlMs: number;
  /** allowPrivate: webhooks may go to loopback and private addresses (development and tests only). */
  readonly webhooks: { secret?: string; maxAttempts: number; backoffMs: number; timeoutMs: number; allowPrivate: boolean };
  /** The web console's Clerk sign-in: the publishable key and the Frontend API origin it names (unset: no Clerk sign-in). */
  readonly consoleClerk?: { publishableKey: string; frontendApiOrigin: string };
  /** Signed download URLs (for <video>, <track> and links, which cannot send a bearer token): key material and lifetime. */
  readonly downloadUrls: { secret?: string; ttlSeconds: number };

  constructor(env: Environment) {
    this.nodeEnv = env.NODE_ENV;
    this.isProduction = env.NODE_ENV === 'production';
    this.port = env.PORT;
    this.host = env.HOST;
    this.redis = redisTarget(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
    // Single-node keys keep their names (no migration); a cluster needs the hash tag.
    this.redisKeyPrefix = this.redis.mode === 'cluster' ? `{${env.REDIS_KEY_PREFIX}}` : env.REDIS_KEY_PREFIX;
    this.redisCommandTimeoutMs = env.REDIS_COMMAND_TIMEOUT_MS || undefined;
    this.trustProxy = parseTrustProxy(env.TRUST_PROXY);
    this.clerk = {
      jwtKey: env.CLERK_JWT_KEY ? normalisePem(env.CLERK_JWT_KEY) : undefined,
      secretKey: env.CLERK_SECRET_KEY,
      apiUrl: env.CLERK_API_URL,
      authorizedParties: list(env.CLERK_AUTHORIZED_PARTIES),
    };
    this.adminUserIds = new Set(list(env.ADMIN_USER_IDS));
    if (env.ADMIN_CLAIM) {
      const split = env.ADMIN_CLAIM.indexOf('='); // claim names hold no "=", the value may
      this.adminClaim = { path: env.ADMIN_CLAIM.slice(0, split).split('.'), value: env.ADMIN_CLAIM.slice(split + 1) };
    }
    this.apiKeys = list(env.API_KEYS).map((entry) => {
      const [name, sha256, ...scopeParts] = entry.split(':'); // scopes contain ':' themselves
      return { name, sha256, scopes: scopeParts.join(':').split('|') as ApiKeyScope[] };
    });
    this.dataDir = resolve(env.DATA_DIR);
    this.storageDir = resolve(env.STORAGE_DIR ?? `${env.DATA_DIR}/storage`);
    if (env.STORAGE_DRIVER === 's3') {
      this.s3 = {
        endpoint: env.S3_ENDPOINT,
        region: env.S3_REGION,
        bucket: env.S3_BUCKET as string,
        accessKeyId: env.S3_ACCESS_KEY_ID as string,
        secretAccessKey: env.S3_SECRET_ACCESS_KEY as string,
        forcePathStyle: env.S3_FORCE_PATH_STYLE,
        downloadMode: env.DOWNLOAD_MODE,
        presignTtlSeconds: env.S3_PRESIGN_TTL_S,
      };
    }
    this.role = env.APP_ROLE;
    this.runsApi = env.APP_ROLE !== 'worker';
    this.runsWorker = env.APP_ROLE !== 'api';
    this.workerConcurrency = env.WORKER_CONCURRENCY;
    this.workerName = env.WORKER_NAME ?? hostname();
    this.pipeline = env.PIPELINE;
    this.ffmpegThreads = env.FFMPEG_THREADS;
    this.pipelineCommand = env.PIPELINE_COMMAND;
    this.pipelineTimeoutSeconds = env.PIPELINE_TIMEOUT_S;
    this.pipelineKillGraceMs = env.PIPELINE_KILL_GRACE_MS;
    this.pipelineEnv = env.PIPELINE_ENV;
    if (env.LLM_BASE_URL) {
      this.llm = { baseUrl: env.LLM_BASE_URL, apiKey: env.LLM_API_KEY, model: env.LLM_MODEL, timeoutSeconds: env.LLM_TIMEOUT_S };
    }
    if (env.TTS_BASE_URL) {
      this.tts = {
        baseUrl: env.TTS_BASE_URL,
        apiKey: env.TTS_API_KEY,
        model: env.TTS_MODEL,
        voice: env.TTS_VOICE,
        timeoutSeconds: env.TTS_TIMEOUT_S,
      };
    }
    this.logLevel = env.LOG_LEVEL;
    this.logPretty = env.LOG_PRETTY;
    this.maxQueueDepth = env.MAX_QUEUE_DEPTH;
    this.uploadDecodeConcurrency = env.UPLOAD_DECODE_CONCURRENCY;
    this.uploadDecodeQueue = env.UPLOAD_DECODE_QUEUE;
    this.maxActiveJobsPerUser = env.MAX_ACTIVE_JOBS_PER_USER;
    this.queueReconcileIntervalMs = env.QUEUE_RECONCILE_INTERVAL_MS;
    this.bodyLimit = env.BODY_LIMIT;
    this.jobMaxAttempts = env.JOB_MAX_ATTEMPTS;
    this.jobBackoffMs = env.JOB_BACKOFF_MS;
    this.stalledIntervalMs = env.STALLED_INTERVAL_MS;
    this.shutdownGraceMs = env.SHUTDOWN_GRACE_MS;
    this.tombstoneRetentionSeconds = env.TOMBSTONE_RETENTION_DAYS * 86400;
    this.jobRetentionMs = Math.round(env.JOB_RETENTION_DAYS * 86_400_000);
    this.minFreeDiskBytes = env.MIN_FREE_DISK_MB * 1024 * 1024;
    this.minFreeMemoryBytes = env.MIN_FREE_MEMORY_MB * 1024 * 1024;
    this.renderMinFreeDiskBytes = env.RENDER_MIN_FREE_DISK_MB * 1024 * 1024;
    this.rateLimitPerMinute = env.RATE_LIMIT_PER_MINUTE;
    this.authFailuresPerMinute = env.AUTH_FAILURES_PER_MINUTE;
    this.corsOrigins = env.CORS_ORIGINS.trim() === '*' ? true : list(env.CORS_ORIGINS);
    this.realtimeProgressIntervalMs = env.REALTIME_PROGRESS_INTERVAL_MS;
    this.sseHeartbeatMs = env.SSE_HEARTBEAT_MS;
    this.maxEventStreamsPerUser = env.MAX_EVENT_STREAMS_PER_USER;
    this.maxSocketsPerUser = env.MAX_SOCKETS_PER_USER;
    this.dashboardCacheTtlMs = env.DASHBOARD_CACHE_TTL_MS;
    this.webhooks = {
      secret: env.WEBHOOK_SECRET,
      maxAttempts: env.WEBHOOK_MAX_ATTEMPTS,
      backoffMs: env.WEBHOOK_BACKOFF_MS,
      timeoutMs: env.WEBHOOK_TIMEOUT_MS,
      allowPrivate: env.WEBHOOK_ALLOW_PRIVATE,
    };
    if (env.CLERK_PUBLISHABLE_KEY) {
      this.consoleClerk = { publishableKey: env.CLERK_PUBLISHABLE_KEY, frontendApiOrigin: clerkFrontendApiOrigin(env.CLERK_PUBLISHABLE_KEY) as string };
    }
    this.downloadUrls = { secret: env.DOWNLOAD_URL_SECRET, ttlSeconds: env.DOWNLOAD_URL_TTL_S };
  }
}
