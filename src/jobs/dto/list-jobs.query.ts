import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, IsUUID, Length } from 'class-validator';
import { PageQuery } from '../../common/pagination';
import { QueryDateTime, QueryInteger } from '../../common/validators';
import { JOB_STATUSES, JobStatus } from '../job.model';

export class ListJobsQuery extends PageQuery {
  @ApiPropertyOptional({ enum: JOB_STATUSES })
  @IsOptional() @IsIn(JOB_STATUSES, { message: `status must be one of ${JOB_STATUSES.join(', ')}` })
  status?: JobStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional() @IsUUID('4', { message: 'batch_id must be a UUID' })
  batch_id?: string;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only jobs created at or after this instant' })
  @IsOptional() @QueryDateTime()
  created_after?: Date;

  @ApiPropertyOptional({ format: 'date-time', description: 'Only jobs created at or before this instant' })
  @IsOptional() @QueryDateTime()
  created_before?: Date;

  @ApiPropertyOptional({ enum: ['created_at', '-created_at'], default: '-created_at' })
  @IsOptional() @IsIn(['created_at', '-created_at'], { message: 'sort must be created_at or -created_at' })
  sort: 'created_at' | '-created_at' = '-created_at';

  @ApiPropertyOptional({
    description: 'Opaque cursor from a previous next_cursor (same filters and sort): the page after it, as fast at any depth. Not combined with page > 1',
    example: 'MTc2NDYwODAwMDAwMDo0ZjFlOGM3Ny0xYjJhLTRjOWQtOGU1Zi0wYTFiMmMzZDRlNWY',
  })
  @IsOptional() @IsString() @Length(1, 200, { message: 'cursor must be a next_cursor returned by this listing' })
  cursor?: string;
}

export class AdminListJobsQuery extends ListJobsQuery {
  @ApiPropertyOptional({ example: 'user_2abc', description: "Only this user's jobs" })
  @IsOptional() @IsString() @Length(1, 200)
  user_id?: string;
}

export class LogsQuery {
  @ApiPropertyOptional({ type: 'integer', minimum: 0, default: 0, description: 'Opaque cursor from a previous next_cursor', example: 100 })
  @IsOptional() @QueryInteger(0, 1_000_000, 'cursor must be a cursor returned as next_cursor')
  cursor: number = 0;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 1000, default: 100 })
  @IsOptional() @QueryInteger(1, 1000)
  limit: number = 100;
}
