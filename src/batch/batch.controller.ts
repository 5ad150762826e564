import { Body, Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { Access, CurrentUser } from '../auth/auth.decorators';
import { ApiErrors, locationHeader } from '../common/api-errors.decorator';
import { notFound } from '../common/error-codes';
import { ApiIdempotencyKey, IdempotencyKeyHeader, idempotencyKeyOf } from '../common/idempotency-key';
import { PageQuery } from '../common/pagination';
import { API_PREFIX } from '../jobs/dto/job.dto';
import { VIDEO_REQUEST_EXAMPLES } from '../videos/dto/video-generation-request.dto';
import { BatchService } from './batch.service';
import { BatchDto, BatchPageDto, CreateBatchDto } from './dto/batch.dto';

const BatchIdPipe = new ParseUUIDPipe({ exceptionFactory: () => notFound('Batch') });

@ApiTags('batches')
@Controller('api/v1')
export class BatchController {
  constructor(private readonly batches: BatchService) {}

  @Post('videos/batch')
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({
    operationId: 'generateVideoBatch',
    summary: 'Submit 1–50 video requests at once: all are checked first (a bad one is named by index) and nothing is created unless all are valid',
  })
  @ApiBody({
    type: CreateBatchDto,
    examples: {
      two: {
        summary: 'Two videos, followed as one batch',
        value: { name: 'Physics week 3', jobs: [VIDEO_REQUEST_EXAMPLES.minimal.value, VIDEO_REQUEST_EXAMPLES.scenes.value] },
      },
    },
  })
  @ApiIdempotencyKey('batch')
  @ApiCreatedResponse({
    type: BatchDto,
    description: 'Every job queued (or, for a repeated Idempotency-Key, the first answer again); Location points at the batch',
    headers: {
      ...locationHeader('/api/v1/batches/{batch_id}'),
      'Idempotent-Replayed': { description: '`true` when this answer is the first one again, for a repeated Idempotency-Key', schema: { type: 'string' } },
    },
  })
  @ApiErrors(403, 409, 413, 415, 422, 503)
  async create(
    @CurrentUser() user: AuthUser,
    @Body() body: CreateBatchDto,
    @IdempotencyKeyHeader() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<BatchDto> {
    const { batch, replayed } = await this.batches.submit(user, body, idempotencyKeyOf(idempotencyKey));
    res.setHeader('Location', `${API_PREFIX}/batches/${batch.batch_id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return batch;
  }

  @Get('batches')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'listBatches', summary: "The caller's batches, newest first" })
  @ApiOkResponse({ type: BatchPageDto, description: 'One page of batches (without their jobs)' })
  @ApiErrors(422)
  list(@CurrentUser() user: AuthUser, @Query() query: PageQuery): Promise<BatchPageDto> {
    return this.batches.list(user, query);
  }

  @Get('batches/:batch_id')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getBatch', summary: 'A batch: status, counts, progress and its jobs' })
  @ApiOkResponse({ type: BatchDto, description: 'The batch with its jobs' })
  @ApiErrors(404)
  get(@CurrentUser() user: AuthUser, @Param('batch_id', BatchIdPipe) batchId: string): Promise<BatchDto> {
    return this.batches.get(user, batchId);
  }

  @Post('batches/:batch_id/cancel')
  @HttpCode(200)
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({ operationId: 'cancelBatch', summary: 'Cancel every job of the batch that has not finished' })
  @ApiOkResponse({ type: BatchDto, description: 'The batch, its unfinished jobs now cancelled' })
  @ApiErrors(404)
  cancel(@CurrentUser() user: AuthUser, @Param('batch_id', BatchIdPipe) batchId: string): Promise<BatchDto> {
    return this.batches.cancel(user, batchId);
  }

  @Delete('batches/:batch_id')
  @HttpCode(204)
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({ operationId: 'deleteBatch', summary: 'Delete the batch, all its jobs and their files' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(404)
  async remove(@CurrentUser() user: AuthUser, @Param('batch_id', BatchIdPipe) batchId: string): Promise<void> {
    await this.batches.remove(user, batchId);
  }
}
