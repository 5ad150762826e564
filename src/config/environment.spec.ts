import { hostname } from 'node:os';
import { AppConfig, normalisePem } from './app-config';
import { ConfigValidationError, validateEnvironment } from './environment';

describe('validateEnvironment', () => {
  test('fills defaults for an empty environment', () => {
    const env = validateEnvironment({});
    expect(env).toEqual(expect.objectContaining({ PORT: 3000, APP_ROLE: 'all', PIPELINE: 'builtin', REDIS_KEY_PREFIX: 'vgs', WORKER_CONCURRENCY: 1 }));
  });

  test('converts numbers and booleans from strings', () => {
    const env = validateEnvironment({ PORT: '8080', WORKER_CONCURRENCY: '3', LOG_PRETTY: 'true' });
    expect([env.PORT, env.WORKER_CONCURRENCY, env.LOG_PRETTY]).toEqual([8080, 3, true]);
  });

  test('names every bad variable in one error', () => {
    let error: unknown;
    try {
      validateEnvironment({ PORT: 'eighty', REDIS_URL: 'http://x', APP_ROLE: 'both', WORKER_CONCURRENCY: '0', LOG_LEVEL: 'loud' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigValidationError);
    const text = (error as Error).message;
    for (const name of ['PORT', 'REDIS_URL', 'APP_ROLE', 'WORKER_CONCURRENCY', 'LOG_LEVEL']) expect(text).toContain(name);
    expect((error as ConfigValidationError).problems).toHaveLength(5);
  });

  test('Redis: one node keeps its key names; a cluster braces the prefix into one hash tag; bad targets are named', () => {
    expect(new AppConfig(validateEnvironment({ REDIS_KEY_PREFIX: 'svc' })).redisKeyPrefix).toBe('svc');
    const sentinel = new AppConfig(validateEnvironment({ REDIS_URL: 'redis+sentinel://s1:26379,s2:26379/main' }));
    expect([sentinel.redis.mode, sentinel.redisKeyPrefix]).toEqual(['sentinel', 'vgs']);
    const byUrl = new AppConfig(validateEnvironment({ REDIS_URL: 'redis+cluster://n1:7000,n2:7001', REDIS_KEY_PREFIX: 'svc' }));
    expect([byUrl.redis.mode, byUrl.redisKeyPrefix]).toEqual(['cluster', '{svc}']);
    expect(new AppConfig(validateEnvironment({ REDIS_CLUSTER_NODES: 'n1:7000,n2:7001' })).redisKeyPrefix).toBe('{vgs}');
    expect(() => validateEnvironment({ REDIS_URL: 'redis://127.0.0.1:6379', REDIS_CLUSTER_NODES: 'n1:7000' })).toThrow(/set one of them/);
    expect(() => validateEnvironment({ REDIS_CLUSTER_NODES: 'n1:7000,n2:port' })).toThrow(/REDIS_CLUSTER_NODES: "n2:port" is not host:port/);
    expect(() => validateEnvironment({ REDIS_URL: 'redis+sentinel://s1:26379' })).toThrow(/REDIS_URL: .*master name/);
  });

  test('production without Clerk keys refuses to start', () => {
    expect(() => validateEnvironment({ NODE_ENV: 'production' })).toThrow(/CLERK_JWT_KEY/);
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    expect(() => validateEnvironment({ NODE_ENV: 'production', CLERK_SECRET_KEY: 'sk_live_abc' })).toThrow(/WEBHOOK_SECRET/);
    expect(() => validateEnvironment({ NODE_ENV: 'production', CLERK_SECRET_KEY: 'sk_live_abc', WEBHOOK_SECRET: secret })).not.toThrow();
  });

  test('WEBHOOK_ALLOW_PRIVATE: off by default, refused in production', () => {
    expect(validateEnvironment({}).WEBHOOK_ALLOW_PRIVATE).toBe(false);
    expect(new AppConfig(validateEnvironment({ WEBHOOK_ALLOW_PRIVATE: 'true' })).webhooks.allowPrivate).toBe(true);
    const secret = `whsec_${Buffer.alloc(32, 7).toString('base64')}`;
    const production = { NODE_ENV: 'production', CLERK_SECRET_KEY: 'sk_live_abc', WEBHOOK_SECRET: secret };
    expect(() => validateEnvironment({ ...production, WEBHOOK_ALLOW_PRIVATE: 'true' })).toThrow(/WEBHOOK_ALLOW_PRIVATE/);
    expect(() => validateEnvironment({ ...production, WEBHOOK_ALLOW_PRIVATE: 'false' })).not.toThrow();
  });

  test('ADMIN_CLAIM: a dotted claim path and a value, parsed at startup; unset names none', () => {
    expect(new AppConfig(validateEnvironment({})).adminClaim).toBeUndefined();
    expect(new AppConfig(validateEnvironment({ ADMIN_CLAIM: '' })).adminClaim).toBeUndefined();
    expect(new AppConfig(validateEnvironment({ ADMIN_CLAIM: 'metadata.role=admin' })).adminClaim).toEqual({ path: ['metadata', 'role'], value: 'admin' });
    expect(new AppConfig(validateEnvironment({ ADMIN_CLAIM: 'role=x=y' })).adminClaim).toEqual({ path: ['role'], value: 'x=y' });
    for (const bad of ['metadata.role', 'metadata.role=', '=admin', 'metadata..role=admin', 'metadata.role=has space', '.role=admin']) {
      expect(() => validateEnvironment({ ADMIN_CLAIM: bad })).toThrow(/ADMIN_CLAIM.*dotted claim path/);
    }
  });

  test('upload decoding: 2 at once and 20 waiting by default; at least one slot', () => {
    const config = new AppConfig(validateEnvironment({}));
    expect([config.uploadDecodeConcurrency, config.uploadDecodeQueue]).toEqual([2, 20]);
    const set = new AppConfig(validateEnvironment({ UPLOAD_DECODE_CONCURRENCY: '4', UPLOAD_DECODE_QUEUE: '0' }));
    expect([set.uploadDecodeConcurrency, set.uploadDecodeQueue]).toEqual([4, 0]);
    expect(() => validateEnvironment({ UPLOAD_DECODE_CONCURRENCY: '0' })).toThrow(/UPLOAD_DECODE_CONCURRENCY/);
    expect(() => validateEnvironment({ UPLOAD_DECODE_QUEUE: '-1' })).toThrow(/UPLOAD_DECODE_QUEUE/);
  });

  test('WORKER_NAME: the host name unless set (empty counts as unset); no spaces or slashes', () => {
    expect(new AppConfig(validateEnvironment({})).workerName).toBe(hostname());
    expect(new AppConfig(validateEnvironment({ WORKER_NAME: '' })).workerName).toBe(hostname());
    expect(new AppConfig(validateEnvironment({ WORKER_NAME: 'render-7.eu-west' })).workerName).toBe('render-7.eu-west');
    for (const bad of ['two words', 'a/b', 'x'.repeat(65)]) expect(() => validateEnvironment({ WORKER_NAME: bad })).toThrow(/WORKER_NAME/);
  });

  test('API keys: format and known scopes', () => {
    const hash = 'a'.repeat(64);
    expect(() => validateEnvironment({ API_KEYS: 'ingest:nothex:jobs:submit' })).toThrow(/API_KEYS/);
    expect(() => validateEnvironment({ API_KEYS: `ingest:${hash}:jobs:fly` })).toThrow(/unknown scope.*jobs:fly/);
    const config = new AppConfig(validateEnvironment({ API_KEYS: `ingest:${hash}:jobs:submit|jobs:read,mon:${hash}:system:read` }));
    expect(config.apiKeys).toEqual([
      { name: 'ingest', sha256: hash, scopes: ['jobs:submit', 'jobs:read'] },
      { name: 'mon', sha256: hash, scopes: ['system:read'] },
    ]);
  });

  test('derived settings: roles, lists, storage under the data directory', () => {
    const config = new AppConfig(
      validateEnvironment({ APP_ROLE: 'api', DATA_DIR: '/srv/vgs', CLERK_AUTHORIZED_PARTIES: 'https://a.example, https://b.example', ADMIN_USER_IDS: 'u1,u2' }),
    );
    expect([config.runsApi, config.runsWorker]).toEqual([true, false]);
    expect(config.storageDir).toBe('/srv/vgs/storage');
    expect(config.clerk.authorizedParties).toEqual(['https://a.example', 'https://b.example']);
    expect([...config.adminUserIds]).toEqual(['u1', 'u2']);
  });

  test('storage: local by default; s3 needs the bucket and credentials; redirect only with s3', () => {
    expect(new AppConfig(validateEnvironment({})).s3).toBeUndefined();
    const bucket = { STORAGE_DRIVER: 's3', S3_BUCKET: 'videos', S3_ACCESS_KEY_ID: 'id', S3_SECRET_ACCESS_KEY: 'secret' };
    expect(new AppConfig(validateEnvironment({ ...bucket, S3_FORCE_PATH_STYLE: 'true', DOWNLOAD_MODE: 'redirect' })).s3).toEqual({
      endpoint: undefined,
      region: 'us-east-1',
      bucket: 'videos',
      accessKeyId: 'id',
      secretAccessKey: 'secret',
      forcePathStyle: true,
      downloadMode: 'redirect',
      presignTtlSeconds: 300,
    });
    expect(() => validateEnvironment({ STORAGE_DRIVER: 's3', S3_ACCESS_KEY_ID: 'id' })).toThrow(
      /S3_BUCKET \/ S3_SECRET_ACCESS_KEY \(unset\): STORAGE_DRIVER=s3 needs the bucket and its credentials/,
    );
    expect(() => validateEnvironment({ DOWNLOAD_MODE: 'redirect' })).toThrow(/DOWNLOAD_MODE \(redirect\): only STORAGE_DRIVER=s3/);
    expect(() => validateEnvironment({ ...bucket, S3_BUCKET: 'No_Such', S3_ENDPOINT: 'minio:9000', STORAGE_DRIVER: 'gcs' })).toThrow(
      /STORAGE_DRIVER[\s\S]*S3_ENDPOINT[\s\S]*S3_BUCKET/,
    );
  });
});

describe('the generator environment', () => {
  test('PATH, HOME, LANG, TZ when set, and PIPELINE_ENV_<NAME> as <NAME>; no secret of the service', () => {
    const config = new AppConfig(
      validateEnvironment({
        PATH: '/usr/bin:/bin',
        HOME: '/home/svc',
        LANG: 'C.UTF-8',
        CLERK_SECRET_KEY: 'sk_test_abc',
        REDIS_URL: 'redis://:pw@redis:6379',
        JEST_WORKER_ID: '1',
        PIPELINE_ENV_OPENAI_API_KEY: 'sk-gen',
      }),
    );
    expect(config.pipelineEnv).toEqual({ PATH: '/usr/bin:/bin', HOME: '/home/svc', LANG: 'C.UTF-8', OPENAI_API_KEY: 'sk-gen' });
  });

  test('a PIPELINE_ENV_ variable that names no variable is refused', () => {
    expect(() => validateEnvironment({ PIPELINE_ENV_: 'x' })).toThrow(/PIPELINE_ENV_/);
    expect(() => validateEnvironment({ 'PIPELINE_ENV_1X': 'x' })).toThrow(/PIPELINE_ENV_1X/);
  });
});

describe('normalisePem', () => {
  test('turns the literal \\n of .env files into a real PEM', () => {
    const pem = normalisePem('-----BEGIN PUBLIC KEY-----\\nMIIB\\nIDAQAB\\n-----END PUBLIC KEY-----');
    expect(pem).toBe('-----BEGIN PUBLIC KEY-----\nMIIB\nIDAQAB\n-----END PUBLIC KEY-----\n');
    expect(normalisePem(pem)).toBe(pem);
  });
});
