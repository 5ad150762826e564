import { Controller, Get } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/auth.decorators';
import { SystemHealthService } from './system-health.service';

/** Kubernetes probes (outside /api/v1, no credentials). */
@ApiTags('health')
@Public()
@SkipThrottle()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly system: SystemHealthService,
  ) {}

  @Get('live')
  @HealthCheck()
  @ApiOperation({ operationId: 'liveness', summary: 'Liveness: the process can serve (no dependency checks)' })
  live() {
    return this.health.check([]);
  }

  @Get('ready')
  @HealthCheck()
  @ApiOperation({ operationId: 'readiness', summary: 'Readiness: Redis, queue, storage, pipeline tools, disk and memory floors' })
  ready() {
    return this.health.check(this.system.checks());
  }
}
