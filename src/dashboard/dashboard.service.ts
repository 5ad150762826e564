import { Injectable } from '@nestjs/common';
import { AuthUser } from '../auth/auth-user';
import { toJobDto } from '../jobs/dto/job.dto';
import { JobStore } from '../jobs/job.store';
import { DashboardStatsDto, RecentJobsDto } from './dto/dashboard.dto';

const round = (n: number, places = 3) => Math.round(n * 10 ** places) / 10 ** places;

@Injectable()
export class DashboardService {
  constructor(private readonly store: JobStore) {}

  /** From index sizes and totals the store keeps on every change: no scan of the user's jobs. */
  async stats(user: AuthUser): Promise<DashboardStatsDto> {
    const s = await this.store.userStats(user.userId, new Date(Date.now() - 24 * 3600_000));
    const finished = s.byStatus.completed + s.byStatus.failed;
    return {
      total_jobs: s.total,
      by_status: s.byStatus,
      active_jobs: s.byStatus.queued + s.byStatus.processing,
      success_rate: finished === 0 ? 0 : round(s.byStatus.completed / finished),
      average_processing_seconds: s.videos === 0 ? 0 : round(s.processingSeconds / s.videos),
      total_video_seconds: round(s.videoSeconds),
      storage_bytes: s.storageBytes,
      jobs_last_24h: s.createdSince,
    };
  }

  async recent(user: AuthUser, limit: number): Promise<RecentJobsDto> {
    const { jobs } = await this.store.list({ userId: user.userId, order: 'desc', offset: 0, limit });
    return { data: jobs.map(toJobDto) };
  }
}
