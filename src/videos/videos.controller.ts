import { Body, Controller, Get, Headers, Param, Post, Res } from '@nestjs/common';
import {
  ApiBody,
  ApiCreatedResponse,
  ApiHeader,
  ApiOkResponse,
  ApiOperation,
  ApiProduces,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { Access, CurrentUser } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { AppException } from '../common/error-codes';
import { sendStoredFile } from '../files/send-file';
import { API_PREFIX, JobDto, JobStatusDto, VideoMetadataDto } from '../jobs/dto/job.dto';
import { JobIdPipe } from '../jobs/jobs.controller';
import { VideoGenerationRequestDto } from './dto/video-generation-request.dto';
import { VideosService } from './videos.service';

const IDEMPOTENCY_KEY = /^[\x21-\x7E]{1,255}$/;

@ApiTags('videos')
@Controller('api/v1/videos')
export class VideosController {
  constructor(private readonly videos: VideosService) {}

  @Post('generate')
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({ operationId: 'generateVideo', summary: 'Submit a video request; it becomes a queued job' })
  @ApiBody({ type: VideoGenerationRequestDto })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'Same key + same body within 24 h returns the first job' })
  @ApiCreatedResponse({ type: JobDto, description: 'Queued; Location points at the job' })
  @ApiErrors(409, 413, 415, 422, 503)
  async generate(
    @CurrentUser() user: AuthUser,
    @Body() body: VideoGenerationRequestDto,
    @Headers('idempotency-key') idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobDto> {
    if (idempotencyKey !== undefined && !IDEMPOTENCY_KEY.test(idempotencyKey)) {
      throw new AppException('VALIDATION_ERROR', 'Idempotency-Key must be 1-255 visible ASCII characters', {
        fields: [{ field: 'Idempotency-Key', errors: ['must be 1-255 visible ASCII characters'] }],
      });
    }
    const { job, replayed } = await this.videos.submit(user, body, idempotencyKey);
    res.status(201).setHeader('Location', `${API_PREFIX}/jobs/${job.job_id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return job;
  }

  @Get('jobs/:job_id/status')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getJobStatus', summary: 'Status, progress and queue position of a job' })
  @ApiOkResponse({ type: JobStatusDto })
  @ApiErrors(404)
  status(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string): Promise<JobStatusDto> {
    return this.videos.status(user, jobId);
  }

  @Get('jobs/:job_id/download')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'downloadVideo', summary: 'The MP4 (Range requests supported)' })
  @ApiProduces('video/mp4')
  @ApiHeader({ name: 'Range', required: false, example: 'bytes=0-1023' })
  @ApiResponse({ status: 200, description: 'The whole file' })
  @ApiResponse({ status: 206, description: 'The requested byte range' })
  @ApiErrors(404, 409, 416)
  async download(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string, @Res() res: Response): Promise<void> {
    const video = await this.videos.video(user, jobId);
    await sendStoredFile(res, { ...video, path: video.file.path, size: video.file.size, disposition: 'attachment' });
  }

  @Get('jobs/:job_id/metadata')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getVideoMetadata', summary: 'Metadata probed from the finished file' })
  @ApiOkResponse({ type: VideoMetadataDto })
  @ApiErrors(404, 409)
  metadata(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string): Promise<VideoMetadataDto> {
    return this.videos.metadata(user, jobId);
  }

  @Get('jobs/:job_id/captions')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getVideoCaptions', summary: 'WebVTT captions in sync with the narration' })
  @ApiProduces('text/vtt')
  @ApiResponse({ status: 200, description: 'WebVTT file' })
  @ApiErrors(404, 409)
  async captions(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string, @Res() res: Response): Promise<void> {
    const captions = await this.videos.captions(user, jobId);
    await sendStoredFile(res, { ...captions, path: captions.file.path, size: captions.file.size, disposition: 'inline' });
  }

  @Get('jobs/:job_id/thumbnail')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getVideoThumbnail', summary: 'A JPEG frame of the finished video' })
  @ApiProduces('image/jpeg')
  @ApiResponse({ status: 200, description: 'JPEG image' })
  @ApiErrors(404, 409)
  async thumbnail(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string, @Res() res: Response): Promise<void> {
    const thumb = await this.videos.thumbnail(user, jobId);
    await sendStoredFile(res, { ...thumb, path: thumb.file.path, size: thumb.file.size, disposition: 'inline' });
  }
}
