import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional } from 'class-validator';
import { QueryInteger } from '../../common/validators';
import { JobDto } from '../../jobs/dto/job.dto';
import { JOB_STATUSES, JobStatus } from '../../jobs/job.model';

export class DashboardStatsDto {
  @ApiProperty({ example: 42 }) total_jobs!: number;
  @ApiProperty({
    type: 'object',
    properties: Object.fromEntries(JOB_STATUSES.map((status) => [status, { type: 'integer', minimum: 0 }])),
    required: [...JOB_STATUSES],
    description: 'Jobs in each status',
    example: { queued: 1, processing: 1, completed: 35, failed: 3, cancelled: 2 },
  })
  by_status!: Record<JobStatus, number>;
  @ApiProperty({ example: 2, description: 'queued + processing' }) active_jobs!: number;
  @ApiProperty({ example: 0.921, description: 'completed / (completed + failed); 0 when none has finished' })
  success_rate!: number;
  @ApiProperty({ example: 14.2, description: 'mean processing time of the completed videos kept' })
  average_processing_seconds!: number;
  @ApiProperty({ example: 812.5 }) total_video_seconds!: number;
  @ApiProperty({ example: 73400320 }) storage_bytes!: number;
  @ApiProperty({ example: 6 }) jobs_last_24h!: number;
}

export class RecentJobsQuery {
  @ApiPropertyOptional({ minimum: 1, maximum: 50, default: 10 })
  @IsOptional() @QueryInteger(1, 50)
  limit: number = 10;
}

export class RecentJobsDto {
  @ApiProperty({ type: [JobDto] }) data!: JobDto[];
}
