import { request as httpRequest, IncomingHttpHeaders } from 'node:http';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import { isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';

interface RawResponse {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

/** Compression as negotiated, on the real app: JSON only; files, ranges and event streams go as they are. */
describe('response compression', () => {
  let ctx: TestContext;
  let token: string;
  let renderedId: string;
  let queuedId: string;

  /** One request with node's own client, which (unlike fetch and supertest) leaves the body encoded as sent. */
  const raw = (path: string, headers: Record<string, string> = {}) =>
    new Promise<RawResponse>((resolve, reject) => {
      const req = httpRequest(`${ctx.url}${path}`, { headers: { Authorization: `Bearer ${token}`, ...headers } }, (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }));
        res.on('error', reject);
      });
      req.on('error', reject);
      req.end();
    });

  const submit = async (body: Record<string, unknown>) => {
    const res = await ctx.http().post('/api/v1/videos/generate').set('Authorization', `Bearer ${token}`).send(body);
    expect(res.status).toBe(201);
    return res.body.job_id as string;
  };

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all', SSE_HEARTBEAT_MS: '200' });
    token = ctx.tokenFor('user_compressed');
    renderedId = await submit({ topic: 'Compression', context: 'A short video to download whole and by ranges.', quality: 'low' });
    // Waits behind the first render (one worker slot), so its event stream stays open; cancelled in its test.
    queuedId = await submit({
      topic: 'Still queued',
      context: Array.from({ length: 16 }, (_, i) => `Sentence ${i + 1} makes this job and its listing longer.`).join(' '),
      quality: 'medium',
    });
  });
  afterAll(() => ctx.close());

  test('a JSON list asked with gzip (or br) comes compressed and decodes to the same JSON; small answers stay plain', async () => {
    const plain = await raw('/api/v1/jobs', { 'Accept-Encoding': 'identity' });
    expect(plain.status).toBe(200);
    expect(plain.headers['content-encoding']).toBeUndefined();
    expect(plain.body.length).toBeGreaterThan(1024);
    const listed = JSON.parse(plain.body.toString('utf8')) as { data: Array<{ job_id: string }> };
    expect(listed.data.map((j) => j.job_id).sort()).toEqual([renderedId, queuedId].sort());

    const gzip = await raw('/api/v1/jobs', { 'Accept-Encoding': 'gzip' });
    expect(gzip.status).toBe(200);
    expect(gzip.headers['content-encoding']).toBe('gzip');
    expect(gzip.headers.vary).toMatch(/Accept-Encoding/i);
    expect(gzip.body.length).toBeLessThan(plain.body.length);
    const unzipped = JSON.parse(gunzipSync(gzip.body).toString('utf8')) as typeof listed;
    expect(unzipped.data.map((j) => j.job_id)).toEqual(listed.data.map((j) => j.job_id));
    expect(unzipped).toEqual(expect.objectContaining({ total_count: 2 }));

    const br = await raw('/api/v1/jobs', { 'Accept-Encoding': 'br' });
    expect(br.headers['content-encoding']).toBe('br');
    expect(JSON.parse(brotliDecompressSync(br.body).toString('utf8')).data).toHaveLength(2);

    const small = await raw('/health/live', { 'Accept-Encoding': 'gzip' });
    expect(small.status).toBe(200);
    expect(small.headers['content-encoding']).toBeUndefined();
    expect(JSON.parse(small.body.toString('utf8'))).toEqual(expect.any(Object));
  });

  test('Server-Sent Events asked with gzip: not encoded, and each event arrives as it is written', async () => {
    const started = Date.now();
    let ended!: Promise<string>;
    const first = await new Promise<{ headers: IncomingHttpHeaders; ms: number; text: string }>((resolve, reject) => {
      const req = httpRequest(`${ctx.url}/api/v1/jobs/${queuedId}/events`, { headers: { Authorization: `Bearer ${token}`, 'Accept-Encoding': 'gzip, br' } }, (res) => {
        let text = '';
        let seen = false;
        ended = new Promise((done) => res.on('end', () => done(text)));
        res.on('data', (chunk: Buffer) => {
          text += chunk.toString('utf8');
          // The current state, then a heartbeat: separate writes, each through while the stream stays open.
          if (!seen && text.includes('event: job.update') && text.includes(': heartbeat')) {
            seen = true;
            resolve({ headers: res.headers, ms: Date.now() - started, text });
          }
        });
      });
      req.on('error', reject);
      req.end();
    });
    expect(first.headers['content-type']).toMatch(/^text\/event-stream/);
    expect(first.headers['content-encoding']).toBeUndefined();
    expect(first.ms).toBeLessThan(3000);
    expect(first.text).toContain(`"job_id":"${queuedId}"`);
    expect(first.text).not.toContain('"status":"cancelled"');

    await ctx.http().post(`/api/v1/jobs/${queuedId}/cancel`).set('Authorization', `Bearer ${token}`).expect(200);
    expect(await ended).toContain('"status":"cancelled"'); // the stream was open until now, and ends with the job
  });

  test('downloads asked with gzip: the file as stored, byte for byte; a Range is still 206 with exactly those bytes', async () => {
    const done = await waitForJob(ctx, token, renderedId, isTerminal);
    expect(done.status).toBe('completed');
    const gzip = { 'Accept-Encoding': 'gzip' };

    const whole = await raw(`/api/v1/videos/jobs/${renderedId}/download`, gzip);
    expect(whole.status).toBe(200);
    expect(whole.headers['content-type']).toBe('video/mp4');
    expect(whole.headers['content-encoding']).toBeUndefined();
    expect(Number(whole.headers['content-length'])).toBe(whole.body.length);
    expect(whole.body.subarray(4, 8).toString('latin1')).toBe('ftyp');

    const part = await raw(`/api/v1/videos/jobs/${renderedId}/download`, { ...gzip, Range: 'bytes=100-1099' });
    expect(part.status).toBe(206);
    expect(part.headers['content-encoding']).toBeUndefined();
    expect(part.headers['content-range']).toBe(`bytes 100-1099/${whole.body.length}`);
    expect(part.body.equals(whole.body.subarray(100, 1100))).toBe(true);

    const captions = await raw(`/api/v1/videos/jobs/${renderedId}/captions`, gzip);
    expect(captions.status).toBe(200);
    expect(captions.headers['content-type']).toMatch(/^text\/vtt/);
    expect(captions.headers['content-encoding']).toBeUndefined();
    expect(captions.body.toString('utf8')).toMatch(/^WEBVTT/);

    const thumbnail = await raw(`/api/v1/videos/jobs/${renderedId}/thumbnail`, gzip);
    expect(thumbnail.status).toBe(200);
    expect(thumbnail.headers['content-encoding']).toBeUndefined();
    expect(thumbnail.body.subarray(0, 3).equals(Buffer.from([0xff, 0xd8, 0xff]))).toBe(true);
  });
});
