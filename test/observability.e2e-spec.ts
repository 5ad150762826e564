import { load } from 'js-yaml';
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { startTestApp, TestContext, waitForJob } from './support/test-app';

const DEPLOY = join(__dirname, '..', 'deploy');
const PROMETHEUS = join(DEPLOY, 'prometheus');

/** promtool comes from Debian's `prometheus` package (scripts/setup.sh installs it): its absence fails, never skips. */
function promtool(args: string[], cwd: string): string {
  try {
    return execFileSync('promtool', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { code?: string; stdout?: string; stderr?: string };
    if (e.code === 'ENOENT') throw new Error('promtool is not installed: run scripts/setup.sh (Debian package prometheus)');
    throw new Error(`promtool ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}`);
  }
}

/** Sample names a /metrics page can serve, from its # TYPE lines (a histogram serves _bucket, _sum and _count). */
function servedNames(page: string): Set<string> {
  const names = new Set<string>();
  for (const [, name, type] of page.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    names.add(name);
    if (type === 'histogram' || type === 'summary') for (const suffix of ['_bucket', '_sum', '_count']) names.add(name + suffix);
  }
  return names;
}

/** The value of one sample, labels written as on the page (e.g. `{reason="quota"}`); undefined when absent. */
function value(page: string, sample: string): number | undefined {
  const line = page.split('\n').find((l) => l.startsWith(`${sample} `));
  return line === undefined ? undefined : Number(line.slice(sample.length + 1));
}

/** Every PromQL expression the dashboard, the alert rules and the KEDA trigger use. */
function deployedQueries(): string[] {
  const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', 'video-job-service.json'), 'utf8')) as {
    panels: Array<{ targets?: Array<{ expr: string }> }>;
    templating: { list: Array<{ definition?: string }> };
  };
  const exprs = dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
  exprs.push(...dashboard.templating.list.flatMap((v) => (v.definition ? [v.definition] : [])));
  const rules = load(readFileSync(join(PROMETHEUS, 'alerts.yml'), 'utf8')) as { groups: Array<{ rules: Array<{ expr: string }> }> };
  exprs.push(...rules.groups.flatMap((g) => g.rules.map((r) => r.expr)));
  const scaled = load(readFileSync(join(DEPLOY, 'k8s', 'overlays', 'keda', 'worker-scaledobject.yaml'), 'utf8')) as {
    spec: { triggers: Array<{ metadata: { query: string } }> };
  };
  exprs.push(...scaled.spec.triggers.map((t) => t.metadata.query));
  return exprs;
}

describe('alert rules (promtool)', () => {
  test('alerts.yml passes promtool check rules', () => {
    expect(promtool(['check', 'rules', 'alerts.yml'], PROMETHEUS)).toMatch(/SUCCESS: \d+ rules found/);
  });

  test('alerts.test.yml: each alert fires on its bad input series and stays silent on the healthy ones', () => {
    const tests = readFileSync(join(PROMETHEUS, 'alerts.test.yml'), 'utf8');
    const alerts = [...readFileSync(join(PROMETHEUS, 'alerts.yml'), 'utf8').matchAll(/- alert: (\S+)/g)].map((m) => m[1]);
    // Every alert has a test that expects it to fire.
    for (const alert of alerts) expect(tests).toMatch(new RegExp(`alertname: ${alert}\\n\\s+exp_alerts:\\n\\s+- exp_labels`));
    expect(promtool(['test', 'rules', 'alerts.test.yml'], PROMETHEUS)).toContain('SUCCESS');
  });
});

/** The service's /metrics: the figures the dashboard and alerts read exist and move when things happen. */
describe('service metrics', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({
      APP_ROLE: 'all',
      // A generator that exits without a result: the job fails at once (one attempt), with its error code.
      PIPELINE: 'command',
      PIPELINE_COMMAND: '/bin/false',
      JOB_MAX_ATTEMPTS: '1',
      MAX_ACTIVE_JOBS_PER_USER: '1',
      RATE_LIMIT_PER_MINUTE: '5',
      AUTH_FAILURES_PER_MINUTE: '2',
    });
  });
  afterAll(() => ctx.close());

  const scrape = async () => (await ctx.http().get('/metrics').expect(200)).text;

  test('every metric name used by the dashboard, the alert rules and the KEDA trigger is served', async () => {
    const served = servedNames(await scrape());
    const used = new Set(deployedQueries().flatMap((q) => [...q.matchAll(/\bvgs_[a-z0-9_]+\b/g)].map((m) => m[0])));
    // The figures the issue asks to watch are among them.
    for (const name of ['vgs_queue_jobs', 'vgs_renders_total', 'vgs_render_realtime_factor_bucket', 'vgs_job_failures_total', 'vgs_rate_limited_total', 'vgs_webhook_backlog', 'vgs_redis_up']) {
      expect(used).toContain(name);
    }
    expect([...used].filter((name) => !served.has(name))).toEqual([]);
  });

  test('a failed job counts by its error code and as a failed render', async () => {
    const token = ctx.tokenFor('user_failing');
    const created = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send({ topic: 'Fails', context: 'The generator exits at once.' });
    expect(created.status).toBe(201);
    const failed = await waitForJob(ctx, token, created.body.job_id, (j) => j.status === 'failed');
    const page = await scrape();
    expect(value(page, `vgs_job_failures_total{error_code="${String(failed.error_code)}"}`)).toBe(1);
    expect(value(page, 'vgs_renders_total{outcome="failed"}')).toBe(1);
    expect(value(page, 'vgs_renders_total{outcome="completed"}')).toBe(0);
  });

  test('429s count by reason: quota, per-caller rate limit, failed authentications', async () => {
    const before = await scrape();
    for (const reason of ['quota', 'rate_limit', 'auth_failures']) expect(value(before, `vgs_rate_limited_total{reason="${reason}"}`)).toBe(0);

    // Two jobs at once against a quota of one: the batch is refused whole.
    const batch = await ctx.http().post('/api/v1/videos/batch').set('Authorization', `Bearer ${ctx.tokenFor('user_quota')}`).send({ jobs: [{ topic: 'A', context: 'a' }, { topic: 'B', context: 'b' }] });
    expect(batch.body.error.error_code).toBe('QUOTA_EXCEEDED');
    // Six requests in a minute against a limit of five.
    const statuses: number[] = [];
    for (let i = 0; i < 6; i++) statuses.push((await ctx.http().get('/api/v1/jobs').set('Authorization', `Bearer ${ctx.tokenFor('user_busy')}`)).status);
    expect(statuses).toEqual([200, 200, 200, 200, 200, 429]);
    // Last, as it locks this client's IP out for the rest of the minute: two bad tokens, then a refusal.
    for (let i = 0; i < 2; i++) await ctx.http().get('/api/v1/jobs').set('Authorization', 'Bearer not-a-token').expect(401);
    const locked = await ctx.http().get('/api/v1/jobs').set('Authorization', 'Bearer not-a-token');
    expect(locked.status).toBe(429);

    const after = await scrape();
    expect(value(after, 'vgs_rate_limited_total{reason="quota"}')).toBe(1);
    expect(value(after, 'vgs_rate_limited_total{reason="rate_limit"}')).toBe(1);
    expect(value(after, 'vgs_rate_limited_total{reason="auth_failures"}')).toBe(1);
  });

  test('the Grafana dashboard is one valid document with a query in every panel', () => {
    const files = readdirSync(join(DEPLOY, 'grafana'));
    expect(files).toEqual(['video-job-service.json']);
    const dashboard = JSON.parse(readFileSync(join(DEPLOY, 'grafana', files[0]), 'utf8')) as { uid: string; panels: Array<{ type: string; targets?: Array<{ expr: string }> }> };
    expect(dashboard.uid).toBe('video-job-service');
    const charts = dashboard.panels.filter((p) => p.type !== 'row');
    expect(charts.length).toBeGreaterThanOrEqual(10);
    for (const panel of charts) expect(panel.targets?.every((t) => t.expr.trim().length > 0)).toBe(true);
  });
});

/** Figures read from Redis at scrape time, on an API-only instance (they are served by every role). */
describe('metrics read from Redis', () => {
  let ctx: TestContext;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'api' });
  });
  afterAll(() => ctx.close());

  const scrape = async () => (await ctx.http().get('/metrics').expect(200)).text;

  test('backlog and Redis up; with Redis stopped the scrape still answers at once, saying so', async () => {
    const up = await scrape();
    expect(value(up, 'vgs_redis_up')).toBe(1);
    expect(value(up, 'vgs_webhook_backlog{stage="outbox"}')).toBe(0);
    expect(value(up, 'vgs_webhook_backlog{stage="deliveries"}')).toBe(0);
    expect(value(up, 'vgs_queue_jobs{state="workers"}')).toBe(0);

    await ctx.redis.stop();
    try {
      const started = Date.now();
      const down = await scrape();
      expect(Date.now() - started).toBeLessThan(5000);
      expect(value(down, 'vgs_redis_up')).toBe(0);
      expect(value(down, 'vgs_queue_jobs{state="waiting"}')).toBe(-1);
      expect(value(down, 'vgs_webhook_backlog{stage="outbox"}')).toBe(-1);
    } finally {
      await ctx.redis.restart();
    }
    const deadline = Date.now() + 15_000;
    let redisUp: number | undefined = 0;
    while (Date.now() < deadline && redisUp !== 1) redisUp = value(await scrape(), 'vgs_redis_up');
    expect(redisUp).toBe(1);
  });
});
