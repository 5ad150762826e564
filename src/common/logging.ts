import type { Params } from 'nestjs-pino';
import type { AppConfig } from '../config/app-config';
import { requestIdOf } from './request-id.middleware';

/** JSON logs through pino; credentials never reach them. */
export function loggerParams(config: AppConfig): Params {
  return {
    pinoHttp: {
      level: config.logLevel,
      genReqId: (req) => requestIdOf(req as Parameters<typeof requestIdOf>[0]),
      redact: {
        paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        censor: '[redacted]',
      },
      // Tokens passed in the query (SSE) must not reach the logs either.
      serializers: {
        req: (req: { url?: string; query?: Record<string, unknown> }) => {
          if (req.url) req.url = req.url.replace(/([?&]access_token=)[^&]*/g, '$1[redacted]');
          if (req.query?.access_token) req.query = { ...req.query, access_token: '[redacted]' };
          return req;
        },
      },
      customLogLevel: (_req, res, err) => (err || res.statusCode >= 500 ? 'error' : res.statusCode >= 400 ? 'warn' : 'info'),
      autoLogging: { ignore: (req) => req.url?.startsWith('/health') ?? false },
      transport: config.logPretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
    },
  };
}
