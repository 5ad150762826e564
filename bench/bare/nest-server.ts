/**
 * The framework's own floor for `npm run bench`: Nest 11 on Express 5 with nothing of the service's (no guards,
 * filters, middleware or logger), one route doing what the bare Express server of the same mode does:
 *   status   HGETALL of BARE_JOB_KEY, answered as JSON
 *   submit   the JSON body checked by Nest's ValidationPipe (class-validator: topic and context strings), BullMQ Queue.add
 * Between the bare Express server and the service, the table shows how much of the gap is Nest's and how much the
 * service's own. Started with fork(); sends {port} once listening. Redis at BARE_REDIS_URL.
 */
import 'reflect-metadata';
import { Body, Controller, Get, HttpCode, Module, Post, Type, ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Queue } from 'bullmq';
import { IsString, MaxLength } from 'class-validator';
import Redis from 'ioredis';

@Controller()
class StatusController {
  private readonly redis = new Redis(process.env.BARE_REDIS_URL as string);
  private readonly key = process.env.BARE_JOB_KEY as string;

  @Get('status')
  async status() {
    const job = await this.redis.hgetall(this.key);
    return { job_id: job.id, status: job.status, progress: Number(job.progress) };
  }
}

class SubmitBody {
  @IsString()
  @MaxLength(500)
  topic!: string;

  @IsString()
  context!: string;
}

@Controller()
class SubmitController {
  private readonly queue = new Queue('bench-bare-nest', { connection: { url: process.env.BARE_REDIS_URL as string } });

  @Post('submit')
  @HttpCode(201)
  async submit(@Body() body: SubmitBody) {
    const job = await this.queue.add('render', { topic: body.topic, context: body.context }, { removeOnComplete: true });
    return { job_id: job.id };
  }
}

const controllers: Record<string, Type> = { status: StatusController, submit: SubmitController };
const mode = process.argv[2];
const controller = controllers[mode];
if (!controller) throw new Error(`unknown bare Nest server ${mode}; one of ${Object.keys(controllers).join(', ')}`);

@Module({ controllers: [controller] })
class BareModule {}

void (async () => {
  const app = await NestFactory.create(BareModule, { logger: false, bodyParser: mode === 'submit' });
  app.useGlobalPipes(new ValidationPipe({ whitelist: true }));
  await app.listen(0, '127.0.0.1');
  process.send?.({ port: (app.getHttpServer().address() as { port: number }).port });
})();
