import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiExtraModels, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiQuery, ApiTags, getSchemaPath } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { Access, AllowQueryToken, CurrentUser } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { JobUpdate } from '../jobs/job-events';
import { JOB_STATUSES } from '../jobs/job.model';
import { JobIdPipe } from '../jobs/jobs.controller';
import { JobEventStream } from './job-event-stream.service';

/** The `data` of a `job.update` event (also the Socket.IO `job.update` payload). */
export class JobUpdateEvent implements JobUpdate {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ enum: JOB_STATUSES }) status!: JobUpdate['status'];
  @ApiProperty({ minimum: 0, maximum: 100, example: 40 }) progress!: number;
  @ApiProperty({ nullable: true, type: String, example: 'render' }) current_stage!: string | null;
  @ApiProperty({ nullable: true, type: String }) error_message!: string | null;
  @ApiProperty({ example: '2026-01-15T10:30:00.000Z' }) updated_at!: string;
  @ApiProperty({ nullable: true, type: String, format: 'uuid' }) batch_id!: string | null;
}

const STREAM_FORMAT = [
  'Server-Sent Events, one per change of the job, until its terminal event (then the server closes the stream):',
  '',
  '```',
  'retry: 3000',
  '',
  'id: 1736937000000-0',
  'event: job.update',
  'data: {"job_id":"…","status":"processing","progress":40,"current_stage":"render","error_message":null,"updated_at":"…","batch_id":null}',
  '',
  ': heartbeat 2026-01-15T10:30:15.000Z',
  '```',
  '',
  'Each `job.update` carries a JobUpdateEvent as JSON in `data` (the schema below) and an `id` to resume from. When the job is',
  'deleted, a last `job.deleted` event carries `{"job_id": "…"}`. Lines starting with `:` are heartbeats.',
].join('\n');

@ApiTags('jobs')
@ApiExtraModels(JobUpdateEvent)
@Controller('api/v1/jobs')
export class JobEventsController {
  constructor(private readonly streams: JobEventStream) {}

  @Get(':job_id/events')
  @Access({ apiKeyScope: 'jobs:read' })
  @AllowQueryToken()
  @SkipThrottle() // one long-lived request; the connection itself is the budget
  @ApiOperation({
    operationId: 'streamJobEvents',
    summary: "Server-Sent Events of the job's updates until it ends (payload as Socket.IO job.update)",
    description:
      'Each event has an `id`; reconnect with `Last-Event-ID` (or `last_event_id`) to resume. Heartbeat comments keep idle streams open. The stream closes after the terminal event; resumed after it, the answer is 204 (an EventSource then stops reconnecting). Browsers may pass the token as `access_token`. Not counted by the request rate limit; instead a user may hold at most MAX_EVENT_STREAMS_PER_USER streams open on an instance (429 `RATE_LIMIT_EXCEEDED` past that).',
  })
  @ApiQuery({ name: 'access_token', required: false, type: String, description: 'Bearer token for EventSource clients' })
  @ApiQuery({ name: 'last_event_id', required: false, type: String, description: 'Resume after this event id (as the Last-Event-ID header)' })
  @ApiOkResponse({
    description: STREAM_FORMAT,
    content: { 'text/event-stream': { schema: { $ref: getSchemaPath(JobUpdateEvent) } } },
  })
  @ApiNoContentResponse({ description: "Resumed after the job's terminal event: nothing is left to send" })
  @ApiErrors(404)
  async events(
    @CurrentUser() user: AuthUser,
    @Param('job_id', JobIdPipe) jobId: string,
    @Headers('last-event-id') lastEventHeader: string | undefined,
    @Query('last_event_id') lastEventQuery: string | undefined,
    @Req() req: Request,
    @Res() res: Response,
  ): Promise<void> {
    await this.streams.stream(user, jobId, lastEventHeader ?? lastEventQuery, req, res);
  }
}
