import type { Request, Response } from 'express';
import type { RequestObserver } from '../common/request-observers';
import { MetricsService } from './metrics.service';

/**
 * Times every HTTP request, including those refused by guards or the body parser, by its route template
 * (never the raw URL: ids would explode the label set).
 */
export function httpMetrics(metrics: MetricsService): RequestObserver {
  return {
    end(req: Request, res: Response, elapsedMs: number) {
      if (!res.writableFinished) return; // abandoned: no answer to time
      const route = (req.route as { path?: string } | undefined)?.path ?? 'unmatched';
      metrics.observeRequest(req.method, route, res.statusCode, elapsedMs / 1000);
    },
  };
}
