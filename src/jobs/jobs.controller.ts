import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../auth/auth-user';
import { Access, CurrentUser } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { notFound } from '../common/error-codes';
import { JobDto, JobLogsDto, JobPageDto, toJobDto } from './dto/job.dto';
import { ListJobsQuery, LogsQuery } from './dto/list-jobs.query';
import { JobsService } from './jobs.service';

/** Unparseable ids answer 404 like unknown ones: nothing about ids leaks through 422s. */
export const JobIdPipe = new ParseUUIDPipe({ exceptionFactory: () => notFound('Job') });

@ApiTags('jobs')
@Controller('api/v1/jobs')
export class JobsController {
  constructor(private readonly jobs: JobsService) {}

  @Get()
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'listJobs', summary: "List the caller's jobs (paginated, filtered, sorted)" })
  @ApiOkResponse({ type: JobPageDto, description: 'One page of jobs' })
  @ApiErrors(422)
  list(@CurrentUser() user: AuthUser, @Query() query: ListJobsQuery): Promise<JobPageDto> {
    return this.jobs.list(user, query);
  }

  @Get(':job_id')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getJob', summary: 'One job' })
  @ApiOkResponse({ type: JobDto, description: 'The job' })
  @ApiErrors(404)
  async get(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string): Promise<JobDto> {
    return toJobDto(await this.jobs.requireJob(user, jobId));
  }

  @Post(':job_id/cancel')
  @HttpCode(200)
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({ operationId: 'cancelJob', summary: 'Cancel a queued or running job (a running render stops within seconds)' })
  @ApiOkResponse({ type: JobDto, description: 'The job, now cancelled' })
  @ApiErrors(404, 409)
  cancel(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string): Promise<JobDto> {
    return this.jobs.cancel(user, jobId);
  }

  @Delete(':job_id')
  @HttpCode(204)
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({ operationId: 'deleteJob', summary: 'Delete a job, its files and its logs (a running one is cancelled first)' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(404)
  async remove(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string): Promise<void> {
    await this.jobs.remove(user, jobId);
  }

  @Get(':job_id/logs')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getJobLogs', summary: "The job's log lines, oldest first, paginated by cursor" })
  @ApiOkResponse({ type: JobLogsDto, description: 'One page of log lines; next_cursor is null at the end' })
  @ApiErrors(404, 422)
  logs(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string, @Query() query: LogsQuery): Promise<JobLogsDto> {
    return this.jobs.logs(user, jobId, query);
  }
}
