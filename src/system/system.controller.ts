import { Controller, Get, HttpCode, Param, Post, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheckError, HealthCheckService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import type { Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { Access, CurrentUser, Public } from '../auth/auth.decorators';
import { JobDto, JobPageDto } from '../jobs/dto/job.dto';
import { AdminListJobsQuery } from '../jobs/dto/list-jobs.query';
import { JobIdPipe } from '../jobs/jobs.controller';
import { JobsService } from '../jobs/jobs.service';
import { ApiErrors } from '../common/api-errors.decorator';
import { QueueStatus, RenderQueue } from '../queue/render-queue.service';
import { MetricsService } from './metrics.service';
import { SystemHealthService } from './system-health.service';

class SystemHealthDto {
  @ApiProperty({ enum: ['healthy', 'unhealthy'] }) status!: 'healthy' | 'unhealthy';
  @ApiProperty({
    type: 'object',
    description: 'One entry per dependency (redis, queue, storage, pipeline, disk, memory): `up` or `down`, with figures or the reason',
    additionalProperties: {
      type: 'object',
      properties: { status: { type: 'string', enum: ['up', 'down'] } },
      required: ['status'],
      additionalProperties: true,
      description: 'The check\'s own figures (latency_ms, free bytes…) or, when down, a message',
    },
    example: { redis: { status: 'up', latency_ms: 1 }, queue: { status: 'up' }, storage: { status: 'up' }, pipeline: { status: 'up' }, disk: { status: 'up' }, memory: { status: 'up' } },
  })
  checks!: Record<string, unknown>;
  @ApiProperty() timestamp!: string;
}

class QueueStatusDto implements QueueStatus {
  @ApiProperty() waiting!: number;
  @ApiProperty() active!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() delayed!: number;
  @ApiProperty() paused!: number;
  @ApiProperty() workers!: number;
}

@ApiTags('system')
@Controller('api/v1/system')
export class SystemController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly system: SystemHealthService,
    private readonly queue: RenderQueue,
    private readonly metrics: MetricsService,
    private readonly jobs: JobsService,
  ) {}

  @Get('health')
  @Public()
  @SkipThrottle()
  @ApiOperation({ operationId: 'getSystemHealth', summary: 'Health of every dependency (no secrets)' })
  @ApiOkResponse({ type: SystemHealthDto, description: 'Every dependency is up' })
  @ApiServiceUnavailableResponse({ type: SystemHealthDto, description: 'At least one dependency is down (see checks)' })
  async systemHealth(@Res({ passthrough: true }) res: Response): Promise<SystemHealthDto> {
    try {
      const result = await this.health.check(this.system.checks());
      return { status: 'healthy', checks: result.details, timestamp: new Date().toISOString() };
    } catch (err) {
      const details = (err as { response?: { details?: Record<string, unknown> } }).response?.details;
      if (!(err instanceof HealthCheckError) && !details) throw err;
      res.status(503);
      return { status: 'unhealthy', checks: details ?? {}, timestamp: new Date().toISOString() };
    }
  }

  @Get('jobs')
  @Access({ adminOnly: true, apiKeyScope: 'system:read' })
  @ApiOperation({ operationId: 'listAllJobs', summary: "Every user's jobs, paginated and filtered like /api/v1/jobs plus user_id (admins and API keys)" })
  @ApiOkResponse({ type: JobPageDto, description: 'One page of jobs' })
  @ApiErrors(403, 422)
  allJobs(@Query() query: AdminListJobsQuery): Promise<JobPageDto> {
    return this.jobs.listAll(query);
  }

  @Post('jobs/:job_id/cancel')
  @HttpCode(200)
  @Access({ adminOnly: true, apiKeyScope: 'system:write' })
  @ApiOperation({ operationId: 'cancelAnyJob', summary: "Cancel any user's job (admins and API keys with system:write)" })
  @ApiOkResponse({ type: JobDto, description: 'The job, now cancelled' })
  @ApiErrors(403, 404, 409)
  cancelAny(@CurrentUser() operator: AuthUser, @Param('job_id', JobIdPipe) jobId: string): Promise<JobDto> {
    // The guard admitted only admins and system:write keys: act with operator rights on any user's job.
    return this.jobs.cancel({ ...operator, isAdmin: true }, jobId);
  }

  @Get('metrics')
  @Access({ adminOnly: true, apiKeyScope: 'system:read' })
  @ApiOperation({ operationId: 'getSystemMetrics', summary: 'Request, job and queue figures as JSON (admins and API keys)' })
  @ApiOkResponse({
    description: 'Every Prometheus metric of this process, by metric name, as its samples',
    schema: {
      type: 'object',
      additionalProperties: {
        type: 'array',
        items: {
          type: 'object',
          properties: {
            value: { type: 'number' },
            labels: { type: 'object', additionalProperties: { oneOf: [{ type: 'string' }, { type: 'number' }] } },
            metricName: { type: 'string', description: 'Histograms: which series (_bucket, _sum, _count)' },
          },
          required: ['value', 'labels'],
        },
      },
      example: { vgs_http_requests_total: [{ value: 12, labels: { method: 'GET', route: '/api/v1/jobs', status: 200 } }] },
    },
  })
  @ApiErrors(403)
  metricsJson(): Promise<Record<string, unknown>> {
    return this.metrics.snapshot();
  }

  @Get('queue-status')
  @Access({ adminOnly: true, apiKeyScope: 'system:read' })
  @ApiOperation({ operationId: 'getQueueStatus', summary: 'BullMQ queue figures (admins and API keys)' })
  @ApiOkResponse({ type: QueueStatusDto, description: 'Jobs per BullMQ state, and connected workers' })
  @ApiErrors(403)
  queueStatus(): Promise<QueueStatus> {
    return this.queue.status();
  }
}
