import { plainToInstance, Transform } from 'class-transformer';
import { existsSync } from 'node:fs';
import {
  IsBoolean,
  IsIn,
  IsInt,
  IsNumber,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  validateSync,
  ValidationError,
} from 'class-validator';
import { PIPELINE_NAMES, PipelineName } from '../pipeline';
import { redisTarget } from '../redis/redis-options';
import { parseTrustProxy } from './trust-proxy';

export const APP_ROLES = ['all', 'api', 'worker'] as const;
export type AppRole = (typeof APP_ROLES)[number];
export const NODE_ENVS = ['development', 'production', 'test'] as const;
export const API_KEY_SCOPES = ['jobs:submit', 'jobs:read', 'jobs:priority', 'system:read', 'system:write'] as const;
export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export const STORAGE_DRIVERS = ['local', 's3'] as const;
export const DOWNLOAD_MODES = ['proxy', 'redirect'] as const;
/** Up to 8 claim names of letters, digits, _ and - joined by dots, then "=" and a value without spaces. */
const ADMIN_CLAIM_FORMAT = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*){0,7}=\S{1,200}$/;
/** pk_test_ / pk_live_ and the base64 of "<Frontend API host>$" (checked in clerkFrontendApiOrigin). */
const CLERK_PUBLISHABLE_KEY_FORMAT = /^pk_(test|live)_[A-Za-z0-9+/]+={0,2}$/;

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const toNumber = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^\d+(\.\d+)?$/.test(value.trim()) ? Number(value.trim()) : value;
const toBool = ({ value }: { value: unknown }) =>
  value === 'true' || value === '1' ? true : value === 'false' || value === '0' ? false : value;
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

/**
 * Every environment variable the service reads, with its default. `.env.example` documents each one;
 * validateEnvironment() refuses to start with a message naming every bad variable.
 */
export class Environment {
  @IsIn(NODE_ENVS)
  NODE_ENV: (typeof NODE_ENVS)[number] = 'development';

  @Transform(toInt) @IsInt() @Min(0) @Max(65535)
  PORT = 3000;

  @IsString()
  HOST = '0.0.0.0';

  @Matches(/^rediss?(\+(sentinel|cluster))?:\/\/[^\s]+$/, { message: 'must be a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL' })
  REDIS_URL = 'redis://127.0.0.1:6379';

  /** A Redis Cluster's nodes, `host:port,host:port,…` (the same as REDIS_URL=redis+cluster://<these>). */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^[^\s,]+(,[^\s,]+)*$/, { message: 'must be host:port,host:port,…' })
  REDIS_CLUSTER_NODES?: string;

  @Matches(/^[A-Za-z0-9_.-]{1,32}$/, { message: 'must be 1-32 characters of letters, digits, _ . -' })
  REDIS_KEY_PREFIX = 'vgs';

  /**
   * Which peers may name the client's address in X-Forwarded-For (rate limits and failed-authentication counters
   * are per client IP): Express's `trust proxy`, checked by parseTrustProxy. A peer outside it is the client.
   */
  @IsString()
  TRUST_PROXY = 'loopback';

  /** A Redis command unanswered this long fails (the API answers 503) instead of holding its request; 0 = wait. */
  @Transform(toInt) @IsInt() @Min(0) @Max(600_000)
  REDIS_COMMAND_TIMEOUT_MS = 5000;

  @Transform(emptyToUndefined) @IsOptional() @IsString()
  CLERK_JWT_KEY?: string;

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^sk_(test|live)_\S+$/, { message: 'must look like sk_test_… or sk_live_…' })
  CLERK_SECRET_KEY?: string;

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  CLERK_API_URL?: string;

  @IsString()
  CLERK_AUTHORIZED_PARTIES = '';

  @IsString()
  ADMIN_USER_IDS = '';

  /** `claim.path=value`: a session token whose claim at that dotted path equals the value is an admin's (unset: none is). */
  @Transform(emptyToUndefined) @IsOptional() @Matches(ADMIN_CLAIM_FORMAT, {
    message: 'must be a dotted claim path, "=" and the value it must equal, e.g. metadata.role=admin',
  })
  ADMIN_CLAIM?: string;

  @Matches(/^([A-Za-z0-9_-]+:[a-f0-9]{64}:[a-z:|]+)?(,[A-Za-z0-9_-]+:[a-f0-9]{64}:[a-z:|]+)*$/, {
    message: 'must be a comma list of name:sha256hex:scope|scope',
  })
  API_KEYS = '';

  @IsString() @MaxLength(4096)
  DATA_DIR = './data';

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(4096)
  STORAGE_DIR?: string;

  /** `local`: finished files and uploads under STORAGE_DIR (shared by API and workers); `s3`: in a bucket, STORAGE_DIR is scratch. */
  @IsIn(STORAGE_DRIVERS)
  STORAGE_DRIVER: (typeof STORAGE_DRIVERS)[number] = 'local';

  /** S3-compatible endpoint (MinIO, R2, …); unset: AWS S3 in S3_REGION. */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  S3_ENDPOINT?: string;

  @Matches(/^[a-z0-9-]{1,64}$/, { message: 'must be a region name such as us-east-1 (R2: auto)' })
  S3_REGION = 'us-east-1';

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, {
    message: 'must be a bucket name: 3-63 lowercase letters, digits, dots and hyphens',
  })
  S3_BUCKET?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(256)
  S3_ACCESS_KEY_ID?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(256)
  S3_SECRET_ACCESS_KEY?: string;

  /** Bucket in the path (`endpoint/bucket/key`) rather than the host name: MinIO and most self-hosted stores. */
  @Transform(toBool) @IsBoolean()
  S3_FORCE_PATH_STYLE = false;

  /** `proxy`: the API streams downloads; `redirect`: a 302 to a presigned bucket URL (s3 only). */
  @IsIn(DOWNLOAD_MODES)
  DOWNLOAD_MODE: (typeof DOWNLOAD_MODES)[number] = 'proxy';

  /** Lifetime of the presigned URL a redirect points at. */
  @Transform(toInt) @IsInt() @Min(1) @Max(604_800)
  S3_PRESIGN_TTL_S = 300;

  @IsIn(APP_ROLES)
  APP_ROLE: AppRole = 'all';

  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  WORKER_CONCURRENCY = 1;

  /** How this worker names itself in job logs (unset: the host name, a pod's name on Kubernetes). */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^[A-Za-z0-9_.:-]{1,64}$/, { message: 'must be 1-64 characters of letters, digits, _ . : -' })
  WORKER_NAME?: string;

  @IsIn(PIPELINE_NAMES)
  PIPELINE: PipelineName = 'builtin';

  @Transform(toInt) @IsInt() @Min(0) @Max(64)
  FFMPEG_THREADS = 0;

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(4096)
  PIPELINE_COMMAND?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(86_400)
  PIPELINE_TIMEOUT_S = 1800;

  @Transform(toInt) @IsInt() @Min(0) @Max(120_000)
  PIPELINE_KILL_GRACE_MS = 5000;

  /**
   * PIPELINE=command: the generator's whole environment, set by validateEnvironment (see generatorEnvironment):
   * it runs someone else's code, which must not see the service's secrets.
   */
  PIPELINE_ENV: Record<string, string> = {};

  /** Built-in pipeline: an OpenAI-compatible chat completions endpoint plans the scenes (unset: the deterministic planner). */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  LLM_BASE_URL?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(4096)
  LLM_API_KEY?: string;

  @IsString() @Matches(/^\S{1,100}$/, { message: 'must be a model name (1-100 characters, no spaces)' })
  LLM_MODEL = 'gpt-4o-mini';

  @Transform(toInt) @IsInt() @Min(1) @Max(600)
  LLM_TIMEOUT_S = 60;

  /** Built-in pipeline: an OpenAI-compatible /v1/audio/speech endpoint speaks (unset: espeak-ng). */
  @Transform(emptyToUndefined) @IsOptional() @Matches(/^https?:\/\/\S+$/, { message: 'must be an http(s) URL' })
  TTS_BASE_URL?: string;

  @Transform(emptyToUndefined) @IsOptional() @IsString() @MaxLength(4096)
  TTS_API_KEY?: string;

  @IsString() @Matches(/^\S{1,100}$/, { message: 'must be a model name (1-100 characters, no spaces)' })
  TTS_MODEL = 'tts-1';

  @IsString() @Matches(/^[A-Za-z0-9_.:+-]{1,64}$/, { message: 'must be a voice name (letters, digits, _ . : + -)' })
  TTS_VOICE = 'alloy';

  @Transform(toInt) @IsInt() @Min(1) @Max(600)
  TTS_TIMEOUT_S = 60;

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: (typeof LOG_LEVELS)[number] = 'info';

  @Transform(toBool) @IsBoolean()
  LOG_PRETTY = false;

  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  MAX_QUEUE_DEPTH = 1000;

  /** Media uploads decoded at once per process (each holds a frame and an ffmpeg). */
  @Transform(toInt) @IsInt() @Min(1) @Max(64)
  UPLOAD_DECODE_CONCURRENCY = 2;

  /** Media uploads that may wait for a decode slot; past that, 503. */
  @Transform(toInt) @IsInt() @Min(0) @Max(10_000)
  UPLOAD_DECODE_QUEUE = 20;

  @Transform(toInt) @IsInt() @Min(0) @Max(100000)
  MAX_ACTIVE_JOBS_PER_USER = 20;

  @Transform(toInt) @IsInt() @Min(1000) @Max(3600000)
  QUEUE_RECONCILE_INTERVAL_MS = 60000;

  @Matches(/^\d+(b|kb|mb)$/i, { message: 'must be a size such as 100kb or 1mb' })
  BODY_LIMIT = '100kb';

  @Transform(toInt) @IsInt() @Min(1) @Max(20)
  JOB_MAX_ATTEMPTS = 3;

  @Transform(toInt) @IsInt() @Min(100) @Max(600_000)
  JOB_BACKOFF_MS = 5000;

  @Transform(toInt) @IsInt() @Min(1000) @Max(600_000)
  STALLED_INTERVAL_MS = 30000;

  @Transform(toInt) @IsInt() @Min(0) @Max(3_600_000)
  SHUTDOWN_GRACE_MS = 25000;

  @Transform(toInt) @IsInt() @Min(1) @Max(3650)
  TOMBSTONE_RETENTION_DAYS = 30;

  /** Finished jobs older than this many days are removed with their files; decimals allowed, 0 = keep forever. */
  @Transform(toNumber) @IsNumber({ allowNaN: false, allowInfinity: false }, { message: 'must be a number of days, e.g. 30 or 0.5' }) @Min(0) @Max(36_500)
  JOB_RETENTION_DAYS = 30;

  @Transform(toInt) @IsInt() @Min(0)
  MIN_FREE_DISK_MB = 512;

  @Transform(toInt) @IsInt() @Min(0)
  MIN_FREE_MEMORY_MB = 128;

  @Transform(toInt) @IsInt() @Min(0)
  RENDER_MIN_FREE_DISK_MB = 1024;

  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  RATE_LIMIT_PER_MINUTE = 120;

  @Transform(toInt) @IsInt() @Min(1) @Max(1_000_000)
  AUTH_FAILURES_PER_MINUTE = 30;

  @Matches(/^(\*|(https?:\/\/[^\s,]+)(,\s*https?:\/\/[^\s,]+)*)?$/, { message: 'must be empty, * or a comma list of http(s) origins' })
  CORS_ORIGINS = '';

  @Transform(toInt) @IsInt() @Min(50) @Max(60_000)
  REALTIME_PROGRESS_INTERVAL_MS = 250;

  @Transform(toInt) @IsInt() @Min(100) @Max(300_000)
  SSE_HEARTBEAT_MS = 15000;

  @Transform(toInt) @IsInt() @Min(0) @Max(100_000)
  MAX_EVENT_STREAMS_PER_USER = 100;

  @Transform(toInt) @IsInt() @Min(0) @Max(100_000)
  MAX_SOCKETS_PER_USER = 100;

  @Transform(toInt) @IsInt() @Min(0) @Max(300_000)
  DASHBOARD_CACHE_TTL_MS = 5000;

  @Transform(emptyToUndefined) @IsOptional() @Matches(/^whsec_[A-Za-z0-9+/]{22,}={0,2}$/, { message: 'must be whsec_ followed by a base64 key' })
  WEBHOOK_SECRET?: string;

  @Transform(toInt) @IsInt() @Min(1) @Max(50)
  WEBHOOK_MAX_ATTEMPTS = 8;

  @Transform(toInt) @IsInt() @Min(10) @Max(3_600_000)
  WEBHOOK_BACKOFF_MS = 2000;

  @Transform(toInt) @IsInt() @Min(100) @Max(120_000)
  WEBHOOK_TIMEOUT_MS = 10000;

  @Transform(toBool) @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE = false;

  /** The web console signs in with Clerk's browser SDK when set (unset: paste a token, outside production). */
  @Transform(emptyToUndefined) @IsOptional() @Matches(CLERK_PUBLISHABLE_KEY_FORMAT, { message: 'must look like pk_test_… or pk_live_… (base64 of the Frontend API host and "$")' })
  CLERK_PUBLISHABLE_KEY?: string;

  /** Signs the short-lived download URLs a browser's <video> uses (unset: derived from WEBHOOK_SECRET). */
  @Transform(emptyToUndefined) @IsOptional() @IsString() @Matches(/^\S{32,}$/, { message: 'must be at least 32 characters without spaces' })
  DOWNLOAD_URL_SECRET?: string;

  @Transform(toInt) @IsInt() @Min(10) @Max(86_400)
  DOWNLOAD_URL_TTL_S = 900;
}

export class ConfigValidationError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid environment:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigValidationError';
  }
}

function describe(errors: ValidationError[]): string[] {
  return errors.map((e) => {
    const value = e.value === undefined ? 'unset' : JSON.stringify(String(e.value).slice(0, 40));
    return `${e.property} (${value}): ${Object.values(e.constraints ?? {}).join('; ')}`;
  });
}

/** Validates raw variables (process.env merged with .env) and returns typed values with defaults filled. */
export function validateEnvironment(raw: Record<string, unknown>): Environment {
  const known = Object.keys(new Environment());
  const picked = Object.fromEntries(
    Object.entries(raw).filter(([k, v]) => (known.includes(k) || k.startsWith('CLERK_')) && v !== undefined),
  );
  const env = plainToInstance(Environment, picked, { exposeDefaultValues: true });
  const errors = validateSync(env, { whitelist: true, forbidUnknownValues: true });
  const problems = describe(errors);
  const unknownScopes = env.API_KEYS.split(',')
    .filter(Boolean)
    .flatMap((entry) => entry.split(':').slice(2).join(':').split('|'))
    .filter((scope) => !(API_KEY_SCOPES as readonly string[]).includes(scope));
  if (unknownScopes.length > 0 && !errors.some((e) => e.property === 'API_KEYS')) {
    problems.push(`API_KEYS: unknown scope(s) ${unknownScopes.join(', ')}; known: ${API_KEY_SCOPES.join(', ')}`);
  }
  if (env.PIPELINE === 'command' && !env.PIPELINE_COMMAND) {
    problems.push('PIPELINE_COMMAND (unset): PIPELINE=command needs the generator command line');
  }
  if (env.STORAGE_DRIVER === 's3') {
    const unset = (['S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const).filter((name) => !env[name]);
    if (unset.length > 0) problems.push(`${unset.join(' / ')} (unset): STORAGE_DRIVER=s3 needs the bucket and its credentials`);
  } else if (env.DOWNLOAD_MODE === 'redirect') {
    problems.push('DOWNLOAD_MODE (redirect): only STORAGE_DRIVER=s3 has presigned URLs to redirect to');
  }
  if (env.NODE_ENV === 'production' && !env.WEBHOOK_SECRET) {
    problems.push('WEBHOOK_SECRET (unset): production signs webhooks with a configured secret');
  }
  if (env.NODE_ENV === 'production' && env.WEBHOOK_ALLOW_PRIVATE) {
    problems.push('WEBHOOK_ALLOW_PRIVATE (true): production never sends webhooks to loopback or private addresses');
  }
  if (env.NODE_ENV === 'production' && !env.CLERK_JWT_KEY && !env.CLERK_SECRET_KEY) {
    problems.push('CLERK_JWT_KEY / CLERK_SECRET_KEY (unset): production needs one of them to verify tokens');
  }
  if (env.CLERK_PUBLISHABLE_KEY && !errors.some((e) => e.property === 'CLERK_PUBLISHABLE_KEY') && !clerkFrontendApiOrigin(env.CLERK_PUBLISHABLE_KEY)) {
    problems.push('CLERK_PUBLISHABLE_KEY: does not encode a Frontend API host (base64 of "<host>$")');
  }
  problems.push(...redisProblems(env, raw, errors));
  if (!errors.some((e) => e.property === 'TRUST_PROXY')) {
    try {
      parseTrustProxy(env.TRUST_PROXY);
    } catch (err) {
      problems.push(`TRUST_PROXY: ${(err as Error).message}`);
    }
  }
  env.PIPELINE_ENV = generatorEnvironment(raw, problems);
  if (problems.length > 0) throw new ConfigValidationError(problems);
  return env;
}

/**
 * The Clerk Frontend API origin a publishable key names: the key is pk_test_/pk_live_ and the base64 of
 * "<host>$". The web console's CSP lets it connect there; null when the key encodes no plausible host.
 */
export function clerkFrontendApiOrigin(publishableKey: string): string | null {
  const decoded = Buffer.from(publishableKey.replace(/^pk_(test|live)_/, ''), 'base64').toString('utf8');
  const host = decoded.endsWith('$') ? decoded.slice(0, -1) : '';
  return /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+(:\d{1,5})?$/i.test(host) ? `https://${host}` : null;
}

/** REDIS_URL and REDIS_CLUSTER_NODES read as a connection target, and never both set (which would win is a guess). */
function redisProblems(env: Environment, raw: Record<string, unknown>, errors: ValidationError[]): string[] {
  if (errors.some((e) => e.property === 'REDIS_URL' || e.property === 'REDIS_CLUSTER_NODES')) return [];
  if (env.REDIS_CLUSTER_NODES && raw.REDIS_URL !== undefined) {
    return ['REDIS_URL / REDIS_CLUSTER_NODES: set one of them (a cluster with a password or TLS: REDIS_URL=redis+cluster://user:password@host:port,… or rediss+cluster://)'];
  }
  try {
    redisTarget(env.REDIS_URL, env.REDIS_CLUSTER_NODES);
    return [];
  } catch (err) {
    return [`${env.REDIS_CLUSTER_NODES ? 'REDIS_CLUSTER_NODES' : 'REDIS_URL'}: ${(err as Error).message}`];
  }
}

/** Passed to the generator unchanged when set. */
const GENERATOR_INHERITED_VARIABLES = ['PATH', 'HOME', 'LANG', 'TZ'];
const GENERATOR_VARIABLE_PREFIX = 'PIPELINE_ENV_';

/** The allow-listed variables plus every PIPELINE_ENV_<NAME> as <NAME> (e.g. the generator's own LLM key). */
function generatorEnvironment(raw: Record<string, unknown>, problems: string[]): Record<string, string> {
  const env: Record<string, string> = {};
  for (const name of GENERATOR_INHERITED_VARIABLES) {
    const value = raw[name];
    if (typeof value === 'string') env[name] = value;
  }
  for (const [key, value] of Object.entries(raw)) {
    if (!key.startsWith(GENERATOR_VARIABLE_PREFIX) || typeof value !== 'string') continue;
    const name = key.slice(GENERATOR_VARIABLE_PREFIX.length);
    if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) env[name] = value;
    else problems.push(`${key}: must be ${GENERATOR_VARIABLE_PREFIX}<NAME>, NAME a variable name (letters, digits, _, not starting with a digit)`);
  }
  return env;
}

/**
 * The environment of this process for tools outside the Nest app (the dev-token command): a local .env file
 * fills what the real environment leaves unset, as @nestjs/config does for the service.
 */
export function processEnvironment(envFile = '.env'): Environment {
  if (existsSync(envFile)) process.loadEnvFile(envFile);
  return validateEnvironment(process.env);
}
