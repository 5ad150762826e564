/**
 * The bare baselines of `npm run bench`, each the least a server doing that job must do, run in a process of
 * their own as the service is:
 *   status    Express 5 + ioredis: HGETALL of the job's hash, answered as JSON (BARE_JOB_KEY)
 *   submit    Express 5: the JSON body checked (topic and context strings) and BullMQ Queue.add
 *   download  node:http + fs.createReadStream of one file (BARE_FILE)
 * Started with fork(); sends {port} once listening. Redis at BARE_REDIS_URL. bare/nest-server.ts is the status
 * route again on bare Nest, for reference.
 */
import { Queue } from 'bullmq';
import express from 'express';
import { createReadStream, statSync } from 'node:fs';
import { createServer, Server } from 'node:http';
import Redis from 'ioredis';

function listen(server: Server): void {
  server.listen(0, '127.0.0.1', () => process.send?.({ port: (server.address() as { port: number }).port }));
}

function status(): void {
  const redis = new Redis(process.env.BARE_REDIS_URL as string);
  const key = process.env.BARE_JOB_KEY as string;
  const app = express();
  app.get('/status', (_req, res, next) => {
    redis.hgetall(key).then((job) => res.json({ job_id: job.id, status: job.status, progress: Number(job.progress) }), next);
  });
  listen(createServer(app));
}

function submit(): void {
  const queue = new Queue('bench-bare', { connection: { url: process.env.BARE_REDIS_URL as string } });
  const app = express();
  app.use(express.json({ limit: '100kb' }));
  app.post('/submit', (req, res, next) => {
    const body = req.body as { topic?: unknown; context?: unknown };
    if (typeof body?.topic !== 'string' || typeof body.context !== 'string' || body.topic.length > 500) {
      res.status(422).json({ error: 'topic and context must be strings' });
      return;
    }
    queue.add('render', { topic: body.topic, context: body.context }, { removeOnComplete: true }).then((job) => res.status(201).json({ job_id: job.id }), next);
  });
  listen(createServer(app));
}

function download(): void {
  const file = process.env.BARE_FILE as string;
  const size = statSync(file).size;
  listen(
    createServer((_req, res) => {
      res.writeHead(200, { 'Content-Type': 'video/mp4', 'Content-Length': size });
      createReadStream(file).pipe(res);
    }),
  );
}

const modes: Record<string, () => void> = { status, submit, download };
const mode = modes[process.argv[2]];
if (!mode) throw new Error(`unknown bare server ${process.argv[2]}; one of ${Object.keys(modes).join(', ')}`);
mode();
