import { Controller, Get, Header } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import { SkipThrottle } from '@nestjs/throttler';
import { Public } from '../auth/auth.decorators';
import { MetricsService } from './metrics.service';

/** Prometheus scrape endpoint (outside /api/v1; keep it on the cluster network). */
@ApiTags('system')
@Public()
@SkipThrottle()
@Controller('metrics')
export class PrometheusController {
  constructor(private readonly metrics: MetricsService) {}

  @Get()
  @Header('Content-Type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ operationId: 'prometheusMetrics', summary: 'Prometheus text format' })
  @ApiProduces('text/plain')
  @ApiOkResponse({
    description: 'Prometheus text exposition format 0.0.4',
    schema: { type: 'string', example: '# TYPE vgs_http_requests_total counter\nvgs_http_requests_total{method="GET",route="/api/v1/jobs",status="200"} 12\n' },
  })
  scrape(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
