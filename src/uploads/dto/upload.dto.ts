import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
import { PageMeta, PageQuery } from '../../common/pagination';
import { UPLOAD_KINDS, UploadKind } from '../media-sniff';
import { Upload } from '../upload.store';

export class UploadDto {
  @ApiProperty({ format: 'uuid', example: '0b6f2f0e-6d1c-4f57-9d0b-1c7a3f5e9a21' }) file_id!: string;
  @ApiProperty({ enum: UPLOAD_KINDS, example: 'image' }) kind!: UploadKind;
  @ApiProperty({ example: 'diagram.png', description: 'The uploaded file name, without directories or control characters (documents are cited by it)' })
  name!: string;
  @ApiProperty({
    example: 'image/png',
    description:
      'Type of the kept file, sniffed from the content: images are re-encoded (JPEG stays JPEG, PNG and WebP become PNG); ' +
      'audio keeps its format; documents are text/markdown or text/plain, kept as UTF-8 with LF line ends',
  })
  content_type!: string;
  @ApiProperty({ example: 48213, description: 'Bytes of the kept file' }) size!: number;
  @ApiProperty({ nullable: true, type: Number, example: 1920, description: 'Pixels (images only)' }) width!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: 1080, description: 'Pixels (images only)' }) height!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: null, description: 'Seconds (audio only)' }) duration!: number | null;
  @ApiProperty({ nullable: true, type: Number, example: null, description: 'Unicode characters (documents only)' }) characters!: number | null;
  @ApiProperty({ example: '2026-01-15T10:30:00.000Z' }) created_at!: string;
}

export class UploadPageDto extends PageMeta {
  @ApiProperty({ type: [UploadDto] }) data!: UploadDto[];
}

export class ListUploadsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: UPLOAD_KINDS })
  @IsOptional() @IsIn(UPLOAD_KINDS, { message: `kind must be one of ${UPLOAD_KINDS.join(', ')}` })
  kind?: UploadKind;
}

/** Documents the multipart body (the route reads it with multer, not a DTO). */
export class UploadContentBody {
  @ApiProperty({
    type: 'string',
    format: 'binary',
    description:
      'PNG, JPEG or WebP up to 10 MiB; WAV, MP3 or OGG up to 20 MiB and 30 minutes; UTF-8 text or Markdown up to 2 MiB. ' +
      'The type is read from the bytes.',
  })
  file!: unknown;
}

export function toUploadDto(upload: Upload): UploadDto {
  return {
    file_id: upload.fileId,
    kind: upload.kind,
    name: upload.name,
    content_type: upload.contentType,
    size: upload.size,
    width: upload.width,
    height: upload.height,
    duration: upload.duration,
    characters: upload.characters,
    created_at: upload.createdAt,
  };
}
