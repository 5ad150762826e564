/**
 * The framework's own floor for `npm run bench`'s status case: Nest 11 on Express 5 with nothing of the service's
 * (no guards, pipes, filters, middleware or logger), one route doing what the bare Express server does (HGETALL of
 * BARE_JOB_KEY, answered as JSON). Between the two bare servers and the service, the table shows how much of the
 * gap is Nest's and how much the service's own. Started with fork(); sends {port} once listening.
 */
import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';

const redis = new Redis(process.env.BARE_REDIS_URL as string);
const key = process.env.BARE_JOB_KEY as string;

@Controller()
class StatusController {
  @Get('status')
  async status() {
    const job = await redis.hgetall(key);
    return { job_id: job.id, status: job.status, progress: Number(job.progress) };
  }
}

@Module({ controllers: [StatusController] })
class StatusModule {}

void (async () => {
  const app = await NestFactory.create(StatusModule, { logger: false, bodyParser: false });
  await app.listen(0, '127.0.0.1');
  process.send?.({ port: (app.getHttpServer().address() as { port: number }).port });
})();
