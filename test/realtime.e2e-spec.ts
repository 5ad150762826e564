import { RecordingSocket, readSse } from './support/sockets';
import { AZP, isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';

const ORDER = ['queued', 'processing', 'completed', 'failed', 'cancelled'];

/** Socket.IO and SSE against the real app (API + worker in one process), real renders. */
describe('real-time updates', () => {
  let ctx: TestContext;
  let alice: string;
  let bob: string;

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all', SSE_HEARTBEAT_MS: '300', REALTIME_PROGRESS_INTERVAL_MS: '250' });
    alice = ctx.tokenFor('user_alice');
    bob = ctx.tokenFor('user_bob');
  });
  afterAll(() => ctx.close());

  const submit = async (token: string, body: Record<string, unknown> = {}) => {
    const res = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set('Authorization', `Bearer ${token}`)
      .send({ topic: 'Realtime', context: 'Events flow from the worker to every client of the user.', quality: 'low', ...body });
    expect(res.status).toBe(201);
    return res.body.job_id as string;
  };

  describe('handshake', () => {
    const refused = async (token: string | undefined) => {
      const err = await RecordingSocket.connect(ctx.url, token).then(
        (s) => {
          s.close();
          return null;
        },
        (e: Error & { data?: { error_code?: string } }) => e,
      );
      expect(err?.message).toBe('UNAUTHORIZED');
      // Just the code: why the token failed (e.g. the configured azp) is no business of the caller.
      expect(err?.data).toEqual({ error_code: 'UNAUTHORIZED' });
    };
    test('refused without a token', () => refused(undefined));
    test('refused with a garbage token', () => refused('nope'));
    test('refused with an expired token', () =>
      refused(ctx.issuer.token({ sub: 'user_alice', azp: AZP }, { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresInSeconds: 3600 })));
    test('refused for another authorized party', () => refused(ctx.issuer.token({ sub: 'user_alice', azp: 'https://evil.example' })));
  });

  test("a user's sockets get every status of their job in order, with thinned progress; others get nothing", async () => {
    const [a1, a2, b] = await Promise.all([
      RecordingSocket.connect(ctx.url, alice),
      RecordingSocket.connect(ctx.url, alice),
      RecordingSocket.connect(ctx.url, bob),
    ]);
    try {
      const id = await submit(alice);
      await a1.waitFor(() => a1.for(id).some(isTerminal));
      await a2.waitFor(() => a2.for(id).some(isTerminal));
      const updates = a1.for(id);
      expect(updates[updates.length - 1]).toEqual(
        expect.objectContaining({ job_id: id, status: 'completed', progress: 100, error_message: null, batch_id: null, updated_at: expect.any(String) }),
      );
      // Statuses only move forward; progress never goes backwards within the attempt.
      const ranks = updates.map((u) => ORDER.indexOf(u.status));
      expect([...ranks].sort((x, y) => x - y)).toEqual(ranks);
      const processing = updates.filter((u) => u.status === 'processing').map((u) => u.progress);
      expect([...processing].sort((x, y) => x - y)).toEqual(processing);
      expect(updates.some((u) => u.status === 'processing')).toBe(true);
      // Coalesced: a progress-only update goes out at least an interval (250 ms) after the previous one was
      // committed. The coalescer counts from the later of sending and committing, so this holds however late
      // either delivery was; the slack covers timers scheduled from the event loop's cached clock.
      for (let i = 1; i < updates.length; i++) {
        if (updates[i].status === updates[i - 1].status && updates[i].status === 'processing') {
          expect(updates[i].received_at - Date.parse(updates[i - 1].updated_at)).toBeGreaterThanOrEqual(200);
        }
      }
      expect(a2.for(id).map((u) => u.status)).toEqual(updates.map((u) => u.status));
      expect(b.updates).toEqual([]);
    } finally {
      [a1, a2, b].forEach((s) => s.close());
    }
  });

  test('job.status acknowledges the current status; another user gets a not-found error', async () => {
    const id = await submit(alice);
    const [a, b] = await Promise.all([RecordingSocket.connect(ctx.url, alice), RecordingSocket.connect(ctx.url, bob)]);
    try {
      const ack = await a.emitWithAck('job.status', { job_id: id });
      expect(ack).toEqual(expect.objectContaining({ job_id: id, status: expect.any(String), progress: expect.any(Number) }));
      expect(await b.emitWithAck('job.status', { job_id: id })).toEqual({ error: { error_code: 'NOT_FOUND', message: 'Job not found' } });
      expect(await b.emitWithAck('job.status', { job_id: '../../etc' })).toEqual({ error: { error_code: 'NOT_FOUND', message: 'Job not found' } });
      await waitForJob(ctx, alice, id, isTerminal);
    } finally {
      a.close();
      b.close();
    }
  });

  test('a socket is disconnected when its token expires', async () => {
    const shortLived = ctx.issuer.token({ sub: 'user_alice', azp: AZP }, { expiresInSeconds: 2 });
    const s = await RecordingSocket.connect(ctx.url, shortLived);
    const expired = new Promise((resolve) => s.socket.once('session.expired', resolve));
    const reason = await new Promise<string>((resolve) => s.socket.once('disconnect', resolve));
    expect(reason).toBe('io server disconnect');
    await expect(expired).resolves.toEqual({ error_code: 'UNAUTHORIZED', message: 'token expired' });
  });

  test('a socket whose token lives longer than a timer can wait (about 24.8 days) stays open', async () => {
    const longLived = ctx.issuer.token({ sub: 'user_alice', azp: AZP }, { expiresInSeconds: 30 * 24 * 3600 });
    const s = await RecordingSocket.connect(ctx.url, longLived);
    let expired = false;
    s.socket.once('session.expired', () => (expired = true));
    await new Promise((resolve) => setTimeout(resolve, 500));
    expect({ connected: s.socket.connected, expired }).toEqual({ connected: true, expired: false });
    s.close();
  });

  describe('Server-Sent Events', () => {
    test('stream the job until its terminal state, with ids and heartbeats, then the stream ends', async () => {
      const id = await submit(alice);
      const { status, events, comments } = await readSse(`${ctx.url}/api/v1/jobs/${id}/events`, { Authorization: `Bearer ${alice}` });
      expect(status).toBe(200);
      expect(events.length).toBeGreaterThan(1);
      expect(events.every((e) => e.event === 'job.update' && /^\d+-\d+$/.test(e.id ?? ''))).toBe(true);
      expect(events[events.length - 1].data).toEqual(expect.objectContaining({ job_id: id, status: 'completed', progress: 100 }));
      const ids = events.map((e) => e.id as string);
      expect(new Set(ids).size).toBe(ids.length);
      expect(comments.some((c) => c.startsWith(': heartbeat'))).toBe(true);

      // Resuming a finished job from an earlier id: its terminal event under the same id, then the end (the
      // progress in between is history, not kept once the job is terminal).
      const resumed = await readSse(`${ctx.url}/api/v1/jobs/${id}/events`, { Authorization: `Bearer ${alice}`, 'Last-Event-ID': ids[1] });
      expect(resumed.events.map((e) => e.id)).toEqual([ids[ids.length - 1]]);
      expect(resumed.events[0].data).toEqual(events[events.length - 1].data);

      // Resuming after the terminal event: nothing to replay, so 204 at once, which tells an EventSource to stop
      // reconnecting (a 200 stream that closes is reconnected to every `retry` milliseconds, forever).
      const afterEnd = await fetch(`${ctx.url}/api/v1/jobs/${id}/events`, {
        headers: { Authorization: `Bearer ${alice}`, 'Last-Event-ID': ids[ids.length - 1] },
        signal: AbortSignal.timeout(5000),
      });
      expect(afterEnd.status).toBe(204);
      expect(await afterEnd.text()).toBe(''); // rejects with a TimeoutError while the stream stays open

      // A finished job: one event (its final state), then the end.
      const again = await readSse(`${ctx.url}/api/v1/jobs/${id}/events`, { Authorization: `Bearer ${alice}` });
      expect(again.events.map((e) => e.data.status)).toEqual(['completed']);
    });

    test("EventSource-style access_token in the query; another user's job is 404", async () => {
      const id = await submit(alice, { priority: 'low' });
      const viaQuery = await readSse(`${ctx.url}/api/v1/jobs/${id}/events?access_token=${alice}`, {}, 1);
      expect(viaQuery.status).toBe(200);
      expect(viaQuery.events[0].data.job_id).toBe(id);
      const other = await readSse(`${ctx.url}/api/v1/jobs/${id}/events`, { Authorization: `Bearer ${bob}` });
      expect(other.status).toBe(404);
      await waitForJob(ctx, alice, id, isTerminal);
    });

    test('a cancelled job ends its stream with the cancelled state', async () => {
      const id = await submit(alice, { quality: 'medium', context: Array.from({ length: 16 }, (_, i) => `Sentence ${i} keeps it busy for a while.`).join(' ') });
      const reading = readSse(`${ctx.url}/api/v1/jobs/${id}/events`, { Authorization: `Bearer ${alice}` });
      await waitForJob(ctx, alice, id, (j) => j.status === 'processing');
      await ctx.http().post(`/api/v1/jobs/${id}/cancel`).set('Authorization', `Bearer ${alice}`).expect(200);
      const { events } = await reading;
      expect(events[events.length - 1].data.status).toBe('cancelled');
    });
  });
});
