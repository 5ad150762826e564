import { Controller, Get, Query, UseInterceptors } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiTags } from '@nestjs/swagger';
import { AuthUser } from '../auth/auth-user';
import { CurrentUser } from '../auth/auth.decorators';
import { ApiErrors } from '../common/api-errors.decorator';
import { DashboardCacheInterceptor } from './dashboard-cache';
import { DashboardService } from './dashboard.service';
import { DashboardStatsDto, RecentJobsDto, RecentJobsQuery } from './dto/dashboard.dto';

@ApiTags('dashboard')
@Controller('api/v1/dashboard')
@UseInterceptors(DashboardCacheInterceptor)
export class DashboardController {
  constructor(private readonly dashboard: DashboardService) {}

  @Get('stats')
  @ApiOperation({ operationId: 'getDashboardStats', summary: "The caller's job figures (cached briefly; your own changes refresh them)" })
  @ApiOkResponse({ type: DashboardStatsDto, description: 'The figures' })
  @ApiErrors()
  stats(@CurrentUser() user: AuthUser): Promise<DashboardStatsDto> {
    return this.dashboard.stats(user);
  }

  @Get('recent-jobs')
  @ApiOperation({ operationId: 'getRecentJobs', summary: "The caller's newest jobs" })
  @ApiOkResponse({ type: RecentJobsDto, description: 'Newest first' })
  @ApiErrors(422)
  recent(@CurrentUser() user: AuthUser, @Query() query: RecentJobsQuery): Promise<RecentJobsDto> {
    return this.dashboard.recent(user, query.limit);
  }
}
