import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsArray, IsOptional, IsString, Length, Matches, ValidateNested } from 'class-validator';
import { PageMeta } from '../../common/pagination';
import { MaxItems, MinItems, NO_CONTROL_CHARS, NormalizedText } from '../../common/validators';
import { JobDto } from '../../jobs/dto/job.dto';
import { JobStatus } from '../../jobs/job.model';
import { VideoGenerationRequestDto } from '../../videos/dto/video-generation-request.dto';

export const MAX_BATCH_JOBS = 50;
export const BATCH_STATUSES = ['queued', 'processing', 'completed', 'partially_completed', 'failed', 'cancelled'] as const;
export type BatchStatus = (typeof BATCH_STATUSES)[number];

export class CreateBatchDto {
  @ApiPropertyOptional({ maxLength: 200, example: 'Physics week 3' })
  @IsOptional() @NormalizedText() @IsString() @Length(1, 200) @Matches(NO_CONTROL_CHARS, { message: 'name must not contain control characters' })
  name?: string;

  @ApiProperty({ type: [VideoGenerationRequestDto], minItems: 1, maxItems: MAX_BATCH_JOBS })
  @IsArray({ message: 'jobs must be an array' })
  @MinItems(1, { message: 'jobs must hold at least one request' })
  @MaxItems(MAX_BATCH_JOBS, { message: `jobs holds at most ${MAX_BATCH_JOBS} requests`, context: { errorCode: 'BATCH_TOO_LARGE' } })
  @ValidateNested({ each: true, message: 'jobs must be an array' }) // its own message, for a value that is neither array nor object
  @Type(() => VideoGenerationRequestDto)
  jobs!: VideoGenerationRequestDto[];
}

export class BatchCountsDto implements Record<JobStatus, number> {
  @ApiProperty() queued!: number;
  @ApiProperty() processing!: number;
  @ApiProperty() completed!: number;
  @ApiProperty() failed!: number;
  @ApiProperty() cancelled!: number;
}

export class BatchSummaryDto {
  @ApiProperty({ format: 'uuid' }) batch_id!: string;
  @ApiProperty({ nullable: true, type: String }) name!: string | null;
  @ApiProperty({ enum: BATCH_STATUSES }) status!: BatchStatus;
  @ApiProperty() total_jobs!: number;
  @ApiProperty({ type: BatchCountsDto }) counts!: BatchCountsDto;
  @ApiProperty({ description: 'mean progress of its jobs (finished ones count as 100)' }) progress!: number;
  @ApiProperty() created_at!: string;
  @ApiProperty() updated_at!: string;
  @ApiProperty({ nullable: true, type: String }) completed_at!: string | null;
}

export class BatchDto extends BatchSummaryDto {
  @ApiProperty({ type: [JobDto] }) jobs!: JobDto[];
}

export class BatchPageDto extends PageMeta {
  @ApiProperty({ type: [BatchSummaryDto] }) data!: BatchSummaryDto[];
}
