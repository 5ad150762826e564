import { Controller, Get, Headers, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import type { Request, Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { Access, AllowQueryToken, CurrentUser } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { JobIdPipe } from '../jobs/jobs.controller';
import { JobEventStream } from './job-event-stream.service';

@ApiTags('jobs')
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
      'Each event has an `id`; reconnect with `Last-Event-ID` (or `last_event_id`) to resume. Heartbeat comments keep idle streams open. The stream closes after the terminal event. Browsers may pass the token as `access_token`.',
  })
  @ApiProduces('text/event-stream')
  @ApiQuery({ name: 'access_token', required: false, description: 'Bearer token for EventSource clients' })
  @ApiQuery({ name: 'last_event_id', required: false })
  @ApiOkResponse({ description: 'text/event-stream of `job.update` events' })
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
