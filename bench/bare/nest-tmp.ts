import 'reflect-metadata';
import { Controller, Get, Module, Param } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import Redis from 'ioredis';
const redis = new Redis(process.env.BARE_REDIS_URL as string);
const key = process.env.BARE_JOB_KEY as string;
@Controller()
class C {
  @Get('status/:id')
  async status(@Param('id') _id: string) {
    const job = await redis.hgetall(key);
    return { job_id: job.id, status: job.status, progress: Number(job.progress) };
  }
}
@Module({ controllers: [C] })
class M {}
async function main() {
  const app = await NestFactory.create(M, { logger: false, bodyParser: false });
  await app.listen(0, '127.0.0.1');
  const port = app.getHttpServer().address().port;
  console.log(port);
}
main();
