import { Controller, Delete, Get, HttpCode, Param, ParseUUIDPipe, Post, Query, Res, UploadedFile, UseInterceptors } from '@nestjs/common';
import { FileInterceptor } from '@nestjs/platform-express';
import {
  ApiBody,
  ApiConsumes,
  ApiCreatedResponse,
  ApiNoContentResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiResponse,
  ApiTags,
} from '@nestjs/swagger';
import type { Response } from 'express';
import { AuthUser } from '../auth/auth-user';
import { Access, CurrentUser } from '../auth/auth.decorators';
import { ApiErrors, locationHeader } from '../common/api-errors.decorator';
import { notFound } from '../common/error-codes';
import { ErrorEnvelope } from '../common/error-envelope';
import { ListUploadsQuery, UploadContentBody, UploadDto, UploadPageDto } from './dto/upload.dto';
import { MultipartOnlyInterceptor } from './multipart.interceptor';
import { MAX_UPLOAD_BYTES } from './upload-limits';
import { ReceivedFile, UploadsService } from './uploads.service';

/** Unparseable ids answer 404 like unknown ones. */
const FileIdPipe = new ParseUUIDPipe({ exceptionFactory: () => notFound('Upload') });

@ApiTags('uploads')
@Controller('api/v1/uploads')
export class UploadsController {
  constructor(private readonly uploads: UploadsService) {}

  @Post('content')
  @Access({ apiKeyScope: 'jobs:submit' })
  // Memory storage: the bytes are sniffed, then piped into ffmpeg (or decoded as text); only the normalised
  // result touches the disk. Browsers send file names as raw UTF-8, which multer would read as latin1.
  @UseInterceptors(
    MultipartOnlyInterceptor,
    FileInterceptor('file', { limits: { fileSize: MAX_UPLOAD_BYTES, files: 1, fields: 5 }, defParamCharset: 'utf8' }),
  )
  @ApiOperation({
    operationId: 'uploadContent',
    summary:
      'Upload an image (PNG, JPEG, WebP ≤ 10 MiB), audio file (WAV, MP3, OGG ≤ 20 MiB, ≤ 30 min) or text document ' +
      '(UTF-8 text or Markdown ≤ 2 MiB) for use in videos',
    description:
      'The type is recognised from the content, never from the file name or Content-Type. Images are decoded and re-encoded ' +
      '(metadata and anything appended are dropped; larger than 3840x3840 is scaled down to fit; a header declaring more than ' +
      '4096x4096 pixels is refused before decoding). Audio is kept as uploaded, ' +
      'remuxed without tags. Documents must be valid UTF-8 without control characters (tab, line feed, form feed and carriage ' +
      'return aside); they are kept without a byte order mark and with LF line ends, as text/markdown when they look like ' +
      'Markdown or are named .md, else text/plain. Refer to the result in custom_config: `scenes[].image_file_id`, ' +
      '`background_audio_file_id`, `document_ids` (with use_rag).',
  })
  @ApiConsumes('multipart/form-data')
  @ApiBody({
    type: UploadContentBody,
    examples: { image: { summary: 'One PNG picture (the part named `file` carries its bytes)', value: { file: '<the bytes of diagram.png>' } } },
  })
  @ApiCreatedResponse({ type: UploadDto, description: 'Kept; Location points at the upload', headers: locationHeader('/api/v1/uploads/{file_id}') })
  @ApiResponse({ status: 409, type: ErrorEnvelope, description: 'Upload quota reached (CONFLICT)' })
  @ApiResponse({
    status: 413,
    type: ErrorEnvelope,
    description: 'Over 10 MiB for an image, 20 MiB for audio or 2 MiB for a document (PAYLOAD_TOO_LARGE)',
  })
  @ApiResponse({
    status: 415,
    type: ErrorEnvelope,
    description: 'Not multipart/form-data, not one of the accepted formats, or not decodable (UNSUPPORTED_MEDIA_TYPE)',
  })
  @ApiErrors(422, 503)
  async upload(
    @CurrentUser() user: AuthUser,
    @UploadedFile() file: ReceivedFile | undefined,
    @Res({ passthrough: true }) res: Response,
  ): Promise<UploadDto> {
    const upload = await this.uploads.upload(user, file);
    res.setHeader('Location', `/api/v1/uploads/${upload.file_id}`);
    return upload;
  }

  @Get()
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'listUploads', summary: "The caller's uploads, newest first (paginated, optionally by kind)" })
  @ApiOkResponse({ type: UploadPageDto, description: 'One page of uploads' })
  @ApiErrors(422)
  list(@CurrentUser() user: AuthUser, @Query() query: ListUploadsQuery): Promise<UploadPageDto> {
    return this.uploads.list(user, query);
  }

  @Get(':file_id')
  @Access({ apiKeyScope: 'jobs:read' })
  @ApiOperation({ operationId: 'getUpload', summary: "One upload's metadata" })
  @ApiParam({ name: 'file_id', format: 'uuid' })
  @ApiOkResponse({ type: UploadDto, description: 'The upload' })
  @ApiErrors(404)
  get(@CurrentUser() user: AuthUser, @Param('file_id', FileIdPipe) fileId: string): Promise<UploadDto> {
    return this.uploads.get(user, fileId);
  }

  @Delete(':file_id')
  @HttpCode(204)
  @Access({ apiKeyScope: 'jobs:submit' })
  @ApiOperation({ operationId: 'deleteUpload', summary: 'Delete an upload and its file (jobs already queued with it will fail to find it)' })
  @ApiParam({ name: 'file_id', format: 'uuid' })
  @ApiNoContentResponse({ description: 'Deleted' })
  @ApiErrors(404)
  async remove(@CurrentUser() user: AuthUser, @Param('file_id', FileIdPipe) fileId: string): Promise<void> {
    await this.uploads.remove(user, fileId);
  }
}
