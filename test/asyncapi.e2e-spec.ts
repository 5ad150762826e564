import { AsyncAPIDocumentInterface, DiagnosticSeverity, Parser } from '@asyncapi/parser';
import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import { RecordingSocket, readSse } from './support/sockets';
import { AZP, startTestApp, TestContext, waitForJob } from './support/test-app';

type Json = Record<string, any>;

/** Every object schema closed (no properties beyond the documented ones), so a payload that grew a field fails too. */
function closed(schema: unknown): unknown {
  if (Array.isArray(schema)) return schema.map(closed);
  if (typeof schema !== 'object' || schema === null) return schema;
  const out: Json = Object.fromEntries(Object.entries(schema).map(([k, v]) => [k, k === 'examples' ? v : closed(v)]));
  if (out.properties && out.additionalProperties === undefined) out.additionalProperties = false;
  return out;
}

/**
 * GET /asyncapi.json: valid per the official AsyncAPI parser, and every payload really received over a Socket.IO
 * client and an SSE stream (plus the document's own examples) matches the schema the document gives its message.
 */
describe('AsyncAPI document', () => {
  let ctx: TestContext;
  let document: AsyncAPIDocumentInterface;
  let raw: Json;
  const ajv = new Ajv({ allErrors: true, strict: true });
  addFormats(ajv);
  ajv.addKeyword('x-parser-schema-id'); // the parser's own annotation on every schema it read

  const validator = (channel: string, message: string): ValidateFunction => {
    const found = document.channels().get(channel)?.messages().get(message);
    if (!found?.payload()) throw new Error(`no ${channel}/${message} payload in the document`);
    return ajv.compile(closed(found.payload()!.json()) as Json);
  };
  const expectValid = (validate: ValidateFunction, payloads: unknown[]) => {
    expect(payloads.length).toBeGreaterThan(0);
    for (const payload of payloads) {
      const ok = validate(payload);
      if (!ok) throw new Error(`${JSON.stringify(payload)} does not match: ${ajv.errorsText(validate.errors)}`);
    }
  };

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all', REALTIME_PROGRESS_INTERVAL_MS: '100' });
    const res = await ctx.http().get('/asyncapi.json');
    expect(res.status).toBe(200);
    raw = res.body as Json;
    const parsed = await new Parser().parse(res.text);
    const problems = parsed.diagnostics.filter((d) => d.severity === DiagnosticSeverity.Error || d.severity === DiagnosticSeverity.Warning);
    expect(problems.map((d) => `${d.path.join('.')}: ${d.message}`)).toEqual([]);
    expect(parsed.document).toBeDefined();
    document = parsed.document!;
  });
  afterAll(() => ctx.close());

  test('is public, AsyncAPI 3, and names the instance it was fetched from', () => {
    const host = new URL(ctx.url).host;
    expect(document.version()).toBe('3.0.0');
    expect(document.servers().get('socketio')?.url()).toBe(`ws://${host}/socket.io`);
    expect(document.servers().get('http')?.url()).toBe(`http://${host}/`);
    expect(document.channels().get('jobs')?.address()).toBe('/jobs');
    expect(document.channels().get('jobEvents')?.address()).toBe('/api/v1/jobs/{job_id}/events');
    // Event names as the code emits them, on the operations that send or receive them.
    const names = (op: string) => document.operations().get(op)?.messages().all().map((m) => m.name());
    expect(names('sendJobUpdate')).toEqual(['job.update']);
    expect(names('sendBatchUpdate')).toEqual(['batch.update']);
    expect(names('sendSessionExpired')).toEqual(['session.expired']);
    expect(names('receiveJobStatus')).toEqual(['job.status']);
    expect(names('receiveSubscribe')).toEqual(['subscribe']);
    expect(document.operations().get('receiveJobStatus')?.reply()?.messages().all().map((m) => m.name())).toEqual(['job.status acknowledgement']);
    expect(names('sendJobEvents')).toEqual(['job.update', 'job.deleted']);
    // The payload schemas are the OpenAPI document's DTOs, not a second copy kept by hand.
    expect(raw.components.schemas.JobUpdateEvent.required).toEqual(['job_id', 'status', 'progress', 'current_stage', 'error_message', 'updated_at', 'batch_id']);
  });

  test("every message's examples match its payload schema", () => {
    let checked = 0;
    for (const channel of document.channels().all()) {
      for (const message of channel.messages().all()) {
        const payloads = message.examples().all().map((e) => e.payload());
        if (payloads.length === 0) continue;
        expectValid(ajv.compile(closed(message.payload()!.json()) as Json), payloads);
        checked += payloads.length;
      }
    }
    expect(checked).toBeGreaterThanOrEqual(3);
  });

  test('the events a real client receives over Socket.IO and SSE match the document', async () => {
    const alice = ctx.tokenFor('user_async_alice');
    const [socket, stranger] = await Promise.all([
      RecordingSocket.connect(ctx.url, alice),
      RecordingSocket.connect(ctx.url, ctx.tokenFor('user_async_bob')),
    ]);
    const batchUpdates: Json[] = [];
    socket.socket.on('batch.update', (b: Json) => batchUpdates.push(b));
    try {
      const created = await ctx
        .http()
        .post('/api/v1/videos/batch')
        .set('Authorization', `Bearer ${alice}`)
        .send({ name: 'AsyncAPI', jobs: [{ topic: 'Documented events', context: 'Every payload matches its schema.', quality: 'low' }] });
      expect(created.status).toBe(201);
      const jobId = created.body.jobs[0].job_id as string;
      const sse = await readSse(`${ctx.url}/api/v1/jobs/${jobId}/events`, { Authorization: `Bearer ${alice}` });
      await socket.waitFor(() => socket.for(jobId).some((u) => u.status === 'completed'));
      await waitForJob(ctx, alice, jobId, (j) => j.status === 'completed');
      const deadline = Date.now() + 10_000;
      while (!batchUpdates.some((b) => b.completed_at !== null) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));

      expect(sse.status).toBe(200);
      expect(sse.events.map((e) => e.event).every((name) => name === 'job.update')).toBe(true);
      expectValid(validator('jobEvents', 'jobUpdate'), sse.events.map((e) => e.data));
      const socketUpdates = socket.for(jobId).map(({ received_at: _, ...u }) => u);
      expect(socketUpdates.some((u) => u.batch_id === created.body.batch_id)).toBe(true);
      expectValid(validator('jobs', 'jobUpdate'), socketUpdates);
      expect(batchUpdates.some((b) => b.completed_at !== null)).toBe(true);
      expectValid(validator('jobs', 'batchUpdate'), batchUpdates);

      // job.status answers the job's status in its acknowledgement; the deprecated `subscribe` answers the same.
      const status = await socket.emitWithAck('job.status', { job_id: jobId });
      expect(status).toEqual(expect.objectContaining({ job_id: jobId, status: 'completed', progress: 100 }));
      expect(await socket.emitWithAck('subscribe', { job_id: jobId })).toEqual(status);
      const notFound = await stranger.emitWithAck('job.status', { job_id: jobId });
      expect(notFound).toEqual({ error: { error_code: 'NOT_FOUND', message: 'Job not found' } });
      const malformed = await socket.emitWithAck('job.status', { job_id: 'not-a-uuid' });
      expectValid(validator('jobs', 'jobStatusReply'), [status, notFound, malformed]);
      expectValid(validator('jobs', 'jobStatusRequest'), [{ job_id: jobId }]);
    } finally {
      socket.close();
      stranger.close();
    }
  });

  test('session.expired as received matches the document', async () => {
    const shortLived = ctx.issuer.token({ sub: 'user_async_alice', azp: AZP }, { expiresInSeconds: 2 });
    const socket = await RecordingSocket.connect(ctx.url, shortLived);
    const expired = await new Promise<unknown>((resolve) => socket.socket.once('session.expired', resolve));
    expectValid(validator('jobs', 'sessionExpired'), [expired]);
    socket.close();
  });
});
