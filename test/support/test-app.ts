import { INestApplication } from '@nestjs/common';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import request from 'supertest';
import { createApp } from '../../src/app.factory';
import { JobStatus, TERMINAL_STATUSES } from '../../src/jobs/job.model';
import { pollDelayMs } from './polling';
import { TestRedis } from './redis-server';
import { TestIssuer } from './tokens';

export const AZP = 'https://app.example.test';

/** Whether a job has reached a terminal state (completed, failed or cancelled): a predicate for waitForJob. */
export const isTerminal = (job: { status?: unknown }): boolean => TERMINAL_STATUSES.has(job.status as JobStatus);

export interface TestContext {
  app: INestApplication;
  redis: TestRedis;
  issuer: TestIssuer;
  dataDir: string;
  env: Record<string, string>;
  /** Base URL of the listening server (for Socket.IO and streaming clients). */
  url: string;
  tokenFor(userId: string, extra?: Record<string, unknown>): string;
  http(): ReturnType<typeof request>;
  close(): Promise<void>;
}

/** The environment a test app runs with: its own Redis (one node or a cluster), data directory and throwaway Clerk key. */
export function testEnv(redis: Pick<TestRedis, 'url'>, issuer: TestIssuer, dataDir: string, overrides: Record<string, string> = {}) {
  return {
    NODE_ENV: 'test',
    PORT: '0',
    HOST: '127.0.0.1',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'vgs-test',
    CLERK_JWT_KEY: issuer.envValue,
    CLERK_AUTHORIZED_PARTIES: AZP,
    DATA_DIR: dataDir,
    APP_ROLE: 'all',
    WORKER_CONCURRENCY: '1',
    LOG_LEVEL: 'error', // 4xx answers are warnings: tests provoke plenty of them
    STALLED_INTERVAL_MS: '3000',
    JOB_BACKOFF_MS: '200',
    MIN_FREE_DISK_MB: '1',
    SHUTDOWN_GRACE_MS: '2000',
    ...overrides,
  };
}

/**
 * Boots the real application in this process against a fresh redis-server, or against `shared.redis` (kept
 * running on close) with `shared.issuer`, when a test needs a second app over the same data.
 */
export async function startTestApp(overrides: Record<string, string> = {}, shared?: { redis: TestRedis; issuer: TestIssuer }): Promise<TestContext> {
  const redis = shared?.redis ?? (await TestRedis.start());
  const issuer = shared?.issuer ?? new TestIssuer();
  const dataDir = mkdtempSync(join(tmpdir(), 'vgs-data-'));
  const env = testEnv(redis, issuer, dataDir, overrides);
  const savedEnv = { ...process.env };
  Object.assign(process.env, env);
  const app = await createApp();
  await app.listen(0, '127.0.0.1');
  const address = app.getHttpServer().address() as { port: number };
  const ctx: TestContext = {
    app,
    redis,
    issuer,
    dataDir,
    env,
    url: `http://127.0.0.1:${address.port}`,
    tokenFor: (userId, extra = {}) => issuer.token({ sub: userId, azp: AZP, ...extra }),
    http: () => request(app.getHttpServer()),
    close: async () => {
      await app.close();
      if (!shared) await redis.destroy();
      rmSync(dataDir, { recursive: true, force: true });
      process.env = savedEnv; // @nestjs/config writes defaults into process.env; leave none behind
    },
  };
  return ctx;
}

/** Polls a job until `done` says so (facts, not sleeps); fails with the last status seen. */
export async function waitForJob(
  ctx: TestContext,
  token: string,
  jobId: string,
  done: (job: { status: string; progress: number; current_stage: string }) => boolean,
  timeoutMs = 90_000,
): Promise<Record<string, unknown>> {
  const deadline = Date.now() + timeoutMs;
  let last: Record<string, unknown> = {};
  while (Date.now() < deadline) {
    const res = await ctx.http().get(`/api/v1/jobs/${jobId}`).set('Authorization', `Bearer ${token}`);
    last = res.body as Record<string, unknown>;
    if (res.status === 200 && done(res.body)) return last;
    await new Promise((r) => setTimeout(r, pollDelayMs(res.status, (name) => res.headers[name] as string | undefined, 150)));
  }
  throw new Error(`job ${jobId} did not reach the expected state; last seen ${JSON.stringify(last).slice(0, 500)}`);
}
