import { chmodSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AppProcess } from './support/app-process';
import { freePort, TestRedis } from './support/redis-server';
import { AZP, isTerminal, testEnv } from './support/test-app';
import { TestIssuer } from './support/tokens';

/**
 * Fault injection with real processes: wrappers earlier on the service's PATH run the real ffmpeg / ffprobe,
 * except for the failures they are told to produce. Tools run concurrently within a render, so each planned
 * failure is a token file that exactly one run can take (unlink is atomic), or a marker that fails every run.
 * The service runs as its own OS process so that PATH reaches the tools it spawns.
 */
function faultyTool(dir: string, tool: string, failure: string): void {
  writeFileSync(
    join(dir, tool),
    `#!/bin/sh
if [ -e "${dir}/${tool}.always" ]; then ${failure}; fi
for token in "${dir}/${tool}".token.*; do
  if [ -e "$token" ] && rm "$token" 2>/dev/null; then ${failure}; fi
done
exec /usr/bin/${tool} "$@"
`,
  );
  chmodSync(join(dir, tool), 0o755);
}

describe('retries with backoff for transient faults, none for bad output', () => {
  let redis: TestRedis;
  let app: AppProcess;
  let tools: string;
  let dataDir: string;
  let token: string;
  const clearFaults = (tool: string) => {
    for (const name of readdirSync(tools)) if (name.startsWith(`${tool}.token.`) || name === `${tool}.always`) rmSync(join(tools, name));
  };
  const failNext = (tool: string, times: number) => {
    clearFaults(tool);
    for (let i = 0; i < times; i++) writeFileSync(join(tools, `${tool}.token.${i}`), '');
  };
  const failAlways = (tool: string) => {
    clearFaults(tool);
    writeFileSync(join(tools, `${tool}.always`), '');
  };

  beforeAll(async () => {
    tools = mkdtempSync(join(tmpdir(), 'vgs-tools-'));
    dataDir = mkdtempSync(join(tmpdir(), 'vgs-retries-'));
    faultyTool(tools, 'ffmpeg', 'echo "simulated encoder crash" >&2; exit 1');
    faultyTool(tools, 'ffprobe', `echo '{"streams":[],"format":{"duration":"1.0"}}'; exit 0`);
    redis = await TestRedis.start();
    const issuer = new TestIssuer();
    token = issuer.token({ sub: 'user_retry', azp: AZP });
    const env = testEnv(redis, issuer, dataDir, { PATH: `${tools}:${process.env.PATH}`, JOB_MAX_ATTEMPTS: '3', JOB_BACKOFF_MS: '300', LOG_LEVEL: 'error' });
    app = await AppProcess.start(env, await freePort());
  });
  afterAll(async () => {
    await app?.stop('SIGKILL');
    await redis?.destroy();
    rmSync(tools, { recursive: true, force: true });
    rmSync(dataDir, { recursive: true, force: true });
  });

  const submit = async (topic: string) => {
    const res = await app.api('POST', '/api/v1/videos/generate', token, { topic, context: 'Short.', quality: 'low' });
    expect(res.status).toBe(201);
    return res.body.job_id as string;
  };

  test('an encoder crash is retried and the job completes on the next attempt', async () => {
    failNext('ffmpeg', 1);
    const id = await submit('Flaky encoder');
    const job = await app.waitForJob(id, token, isTerminal);
    expect(job).toEqual(expect.objectContaining({ status: 'completed', attempts: 2, error_message: null }));
    const logs = (await app.api('GET', `/api/v1/jobs/${id}/logs?limit=1000`, token)).body.logs as Array<{ level: string; message: string }>;
    expect(logs.some((l) => l.level === 'error' && /attempt 1 failed \(TOOL_FAILED\): .*simulated encoder crash/s.test(l.message))).toBe(true);
  });

  test('a fault that persists fails the job after the last attempt, with the reason', async () => {
    failAlways('ffmpeg');
    const id = await submit('Broken encoder');
    const job = await app.waitForJob(id, token, isTerminal);
    clearFaults('ffmpeg');
    expect(job).toEqual(expect.objectContaining({ status: 'failed', attempts: 3, error_code: 'TOOL_FAILED' }));
    expect(job.error_message).toEqual(expect.stringContaining('simulated encoder crash'));
  });

  test('output that is not a video is not retried', async () => {
    failAlways('ffprobe');
    const id = await submit('Bad output');
    const job = await app.waitForJob(id, token, isTerminal);
    clearFaults('ffprobe');
    expect(job).toEqual(expect.objectContaining({ status: 'failed', attempts: 1, error_code: 'INVALID_OUTPUT' }));
  });

  test('readiness sees the pipeline tools on PATH', async () => {
    const ready = await fetch(`${app.url}/health/ready`);
    expect(ready.status).toBe(200);
    const body = (await ready.json()) as { details: Record<string, { status: string }> };
    expect(body.details.pipeline.status).toBe('up');
  });
});
