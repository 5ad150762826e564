import { applyDecorators, Body, Controller, Get, HttpCode, Param, Post, Res } from '@nestjs/common';
import { ApiBody, ApiCreatedResponse, ApiHeader, ApiOkResponse, ApiOperation, ApiQuery, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { Access, AllowSignedUrl, CurrentUser } from '../auth/auth.decorators';
import { ApiErrors, locationHeader } from '../common/api-errors.decorator';
import { ErrorEnvelope } from '../common/error-envelope';
import { ApiIdempotencyKey, IdempotencyKeyHeader, idempotencyKeyOf } from '../common/idempotency-key';
import { API_PREFIX, JobDto, JobStatusDto, VideoMetadataDto } from '../jobs/dto/job.dto';
import { JobIdPipe } from '../jobs/jobs.controller';
import { DownloadUrlsDto } from './dto/download-urls.dto';
import { VIDEO_REQUEST_EXAMPLES, VideoGenerationRequestDto } from './dto/video-generation-request.dto';
import { VideosService } from './videos.service';

/**
 * The answers of a stored file sent by VideosService.send: whole, one byte range, not modified (If-None-Match), or an
 * unsatisfiable range; with DOWNLOAD_MODE=redirect a 302 to the bucket instead. Errors stay JSON envelopes whatever
 * the file's type. Reached with credentials or a signed URL.
 */
function ApiStoredFile(mediaTypes: string[], what: string, schema: { type: 'string'; format?: 'binary' }) {
  const content = Object.fromEntries(mediaTypes.map((type) => [type, { schema }]));
  const text = (description: string) => ({ description, schema: { type: 'string' } });
  const etag = { ETag: text('Strong validator of the file: send it as If-None-Match (304 when unchanged) or If-Range') };
  const headers = {
    ...etag,
    'Accept-Ranges': text('`bytes`'),
    'Content-Length': { description: 'Bytes in this answer', schema: { type: 'integer' } },
    'Content-Disposition': text('`attachment` (download) or `inline`, with the file name'),
  };
  const signedUrlPart = (name: string, description: string) => ApiQuery({ name, required: false, type: 'string', description });
  return applyDecorators(
    AllowSignedUrl(),
    signedUrlPart('uid', 'Signed URL (from createDownloadUrls), instead of credentials: the owner'),
    signedUrlPart('expires', 'Signed URL: when it stops working, Unix seconds'),
    signedUrlPart('signature', 'Signed URL: the HMAC over the path, uid and expires'),
    ApiHeader({ name: 'Range', required: false, description: 'One byte range', example: 'bytes=0-1023' }),
    ApiHeader({ name: 'If-None-Match', required: false, description: 'An ETag you hold: 304 when the file is unchanged' }),
    ApiHeader({ name: 'If-Range', required: false, description: 'With Range: the range only while the file still has this ETag, else the whole file' }),
    ApiResponse({ status: 200, description: `${what}, whole`, content, headers }),
    ApiResponse({
      status: 206,
      description: `The requested byte range of ${what.toLowerCase()}`,
      content,
      headers: { ...headers, 'Content-Range': text('The range sent and the full size, e.g. `bytes 0-1023/1843200`') },
    }),
    ApiResponse({
      status: 302,
      description: `With STORAGE_DRIVER=s3 and DOWNLOAD_MODE=redirect: ${what.toLowerCase()} is fetched from the bucket (Range works there too)`,
      headers: {
        Location: text('A presigned bucket URL, valid for S3_PRESIGN_TTL_S'),
        'Cache-Control': text('`no-store`: the presigned URL expires'),
      },
    }),
    ApiResponse({ status: 304, description: 'Not modified: the ETag in If-None-Match is current', headers: etag }),
    ApiResponse({
      status: 416,
      type: ErrorEnvelope,
      description: 'Range not satisfiable (RANGE_NOT_SATISFIABLE); details.size is the file size',
      headers: { 'Content-Range': text('`bytes */<size>`') },
    }),
  );
}

@ApiTags('videos')
@Controller('api/v1/videos')
export class VideosController {
  constructor(private readonly videos: VideosService) {}

  @Post('generate')
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({ operationId: 'generateVideo', summary: 'Submit a video request; it becomes a queued job' })
  @ApiBody({ type: VideoGenerationRequestDto, examples: VIDEO_REQUEST_EXAMPLES })
  @ApiIdempotencyKey('job')
  @ApiCreatedResponse({
    type: JobDto,
    description: 'Queued (or, for a repeated Idempotency-Key, the first answer again); Location points at the job',
    headers: {
      ...locationHeader('/api/v1/jobs/{job_id}'),
      'Idempotent-Replayed': { description: '`true` when this answer is the first one again, for a repeated Idempotency-Key', schema: { type: 'string' } },
    },
  })
  @ApiErrors(403, 409, 413, 415, 422, 503)
  async generate(
    @CurrentUser() user: AuthUser,
    @Body() body: VideoGenerationRequestDto,
    @IdempotencyKeyHeader() idempotencyKey: string | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<JobDto> {
    const { job, replayed } = await this.videos.submit(user, body, idempotencyKeyOf(idempotencyKey));
    res.status(201).setHeader('Location', `${API_PREFIX}/jobs/${job.job_id}`);
    if (replayed) res.setHeader('Idempotent-Replayed', 'true');
    return job;
  }

  @Get('jobs/:job_id/status')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getJobStatus', summary: 'Status, progress and queue position of a job' })
  @ApiOkResponse({ type: JobStatusDto, description: 'The status (queue_position while queued)' })
  @ApiErrors(404)
  status(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string): Promise<JobStatusDto> {
    return this.videos.status(user, jobId);
  }

  @Get('jobs/:job_id/download')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'downloadVideo', summary: 'The MP4 (Range requests supported)' })
  @ApiStoredFile(['video/mp4'], 'The MP4', { type: 'string', format: 'binary' })
  @ApiErrors(404, 409)
  async download(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string, @Res() res: Response): Promise<void> {
    const video = await this.videos.video(user, jobId);
    await this.videos.send(res, video, 'attachment');
  }

  @Post('jobs/:job_id/download-url')
  @HttpCode(200)
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({
    operationId: 'createDownloadUrls',
    summary: 'Short-lived signed URLs of the MP4, captions and thumbnail',
    description:
      'For browsers: a <video>, <track> or download link cannot send an Authorization header, and a token never belongs in a URL. ' +
      'Each URL grants GET of its one file (Range and ETag as usual) without credentials until `expires_at` (DOWNLOAD_URL_TTL_S).',
  })
  @ApiOkResponse({ type: DownloadUrlsDto, description: 'The signed URLs (relative to this server)' })
  @ApiErrors(404, 409)
  downloadUrls(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string): Promise<DownloadUrlsDto> {
    return this.videos.downloadUrls(user, jobId);
  }

  @Get('jobs/:job_id/metadata')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getVideoMetadata', summary: 'Metadata probed from the finished file' })
  @ApiOkResponse({ type: VideoMetadataDto, description: 'The metadata' })
  @ApiErrors(404, 409)
  metadata(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string): Promise<VideoMetadataDto> {
    return this.videos.metadata(user, jobId);
  }

  @Get('jobs/:job_id/captions')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getVideoCaptions', summary: 'WebVTT captions in sync with the narration' })
  @ApiStoredFile(['text/vtt'], 'The WebVTT file', { type: 'string' })
  @ApiErrors(404, 409)
  async captions(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string, @Res() res: Response): Promise<void> {
    const captions = await this.videos.captions(user, jobId);
    await this.videos.send(res, captions, 'inline');
  }

  @Get('jobs/:job_id/thumbnail')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getVideoThumbnail', summary: 'A JPEG frame of the finished video' })
  @ApiStoredFile(['image/jpeg'], 'The JPEG image', { type: 'string', format: 'binary' })
  @ApiErrors(404, 409)
  async thumbnail(@CurrentUser() user: AuthUser, @Param('job_id', JobIdPipe) jobId: string, @Res() res: Response): Promise<void> {
    const thumb = await this.videos.thumbnail(user, jobId);
    await this.videos.send(res, thumb, 'inline');
  }
}
