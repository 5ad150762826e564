import { ApiProperty } from '@nestjs/swagger';

const SIGNED = '?uid=user_2abc&expires=1768473900&signature=kq3…';

/** Signed, short-lived URLs of a finished job's files, for clients that cannot send a bearer token (a browser's <video>). */
export class DownloadUrlsDto {
  @ApiProperty({ format: 'uuid' }) job_id!: string;
  @ApiProperty({ example: `/api/v1/videos/jobs/3f0e…/download${SIGNED}`, description: 'The MP4: GET it, with Range if you like, without credentials' })
  video_url!: string;
  @ApiProperty({ type: 'string', nullable: true, example: `/api/v1/videos/jobs/3f0e…/captions${SIGNED}`, description: 'The WebVTT captions (null when the video has none)' })
  captions_url!: string | null;
  @ApiProperty({ example: `/api/v1/videos/jobs/3f0e…/thumbnail${SIGNED}`, description: 'The JPEG thumbnail' })
  thumbnail_url!: string;
  @ApiProperty({ format: 'date-time', description: 'When the URLs stop working (DOWNLOAD_URL_TTL_S after issue); ask again for new ones' })
  expires_at!: string;
}
