import type { INestApplication } from '@nestjs/common';
import type { Request, Response } from 'express';
import { type Params, PARAMS_PROVIDER_TOKEN } from 'nestjs-pino';
import { type Bindings, type Level, type Logger, pino } from 'pino';
import type { AppConfig } from '../config/app-config';
import { requestIdOf } from './request-id';
import type { RequestObserver } from './request-observers';

const { wrapRequestSerializer, res: responseSerializer, err: errorSerializer } = pino.stdSerializers;

/** JSON logs through one root pino logger; credentials never reach them (headers, cookies, `access_token` queries). */
function createRootLogger(config: Pick<AppConfig, 'logLevel' | 'logPretty'>, destination?: pino.DestinationStream): Logger {
  const options: pino.LoggerOptions = {
    level: config.logLevel,
    redact: {
      paths: ['req.headers.authorization', 'req.headers["x-api-key"]', 'req.headers.cookie', 'res.headers["set-cookie"]'],
      censor: '[redacted]',
    },
    serializers: {
      // Tokens passed in the query (SSE) must not reach the logs either.
      req: wrapRequestSerializer((req) => {
        if (req.url) req.url = req.url.replace(/([?&]access_token=)[^&]*/g, '$1[redacted]');
        const query = req.query as Record<string, unknown> | undefined;
        if (query?.access_token) req.query = { ...query, access_token: '[redacted]' };
        return req;
      }),
      res: responseSerializer,
      err: errorSerializer,
    },
    transport: config.logPretty ? { target: 'pino-pretty', options: { singleLine: true } } : undefined,
  };
  return destination ? pino(options, destination) : pino(options);
}

/**
 * nestjs-pino takes the request's logger from `req.log` (set by requestLogging) and serves it to services inside
 * the request; outside one, it is the root logger. `destination` is for tests (stdout otherwise).
 */
export function loggerParams(config: Pick<AppConfig, 'logLevel' | 'logPretty'>, destination?: pino.DestinationStream): Params {
  return { pinoHttp: { logger: createRootLogger(config, destination) }, useExisting: true };
}

/** The root logger the application's LoggerModule was given (request lines, the audit trail). */
export function rootLoggerOf(app: INestApplication): Logger {
  return (app.get<Params>(PARAMS_PROVIDER_TOKEN).pinoHttp as { logger: Logger }).logger;
}

type LoggedRequest = Request & { id?: string; log?: Logger };
const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
const REQUEST = Symbol('request');
const CHILD = Symbol('child');
type LazyRequestLogger = Logger & { [REQUEST]: LoggedRequest; [CHILD]?: Logger };

/**
 * One line per request once it is answered (or abandoned): info, warn for 4xx and for a 503 (a refusal the
 * service chose: overloaded, or a dependency away, with Retry-After), error for other 5xx, with the request,
 * response and time, as pino-http wrote it. pino serializes a child's bindings when it is made, so the request's
 * child logger (with the serialized request) is made on the first line actually written: a level that is off
 * costs neither the serialization nor the redaction. Probes (/health) write no line.
 */
export function requestLogging(root: Logger): RequestObserver {
  const lazyLogger = lazyRequestLogger(root);
  return {
    start(req: LoggedRequest) {
      req.id = requestIdOf(req);
      const log: LazyRequestLogger = Object.create(lazyLogger) as LazyRequestLogger;
      log[REQUEST] = req;
      req.log = log;
    },
    end(req: LoggedRequest, res: Response, elapsedMs: number) {
      const failed = res.statusCode >= 500 && res.statusCode !== 503;
      const level: Level = failed ? 'error' : res.statusCode >= 400 ? 'warn' : 'info';
      if (!root.isLevelEnabled(level) || req.url.startsWith('/health')) return;
      const log = req.log as Logger;
      const responseTime = Math.round(elapsedMs);
      if (failed) log[level]({ res, err: new Error(`failed with status code ${res.statusCode}`), responseTime }, 'request errored');
      else log[level]({ res, responseTime }, !req.readableAborted && res.writableEnded ? 'request completed' : 'request aborted');
    },
  };
}

/**
 * The prototype of every request's logger: each becomes `root.child({ req })` on its first enabled line (or
 * child), and a request costs one small object before that.
 */
function lazyRequestLogger(root: Logger): Logger {
  const made = (lazy: LazyRequestLogger): Logger => (lazy[CHILD] ??= root.child({ req: lazy[REQUEST] }));
  const proto = Object.create(root) as Logger;
  for (const level of LEVELS) {
    proto[level] = function (this: LazyRequestLogger, ...args: Parameters<Logger['info']>) {
      if (root.isLevelEnabled(level)) made(this)[level](...args);
    } as Logger['info'];
  }
  proto.child = function <L extends string = never>(this: LazyRequestLogger, bindings: Bindings, options?: pino.ChildLoggerOptions<L>) {
    return made(this).child<L>(bindings, options);
  };
  proto.bindings = function (this: LazyRequestLogger) {
    return made(this).bindings();
  };
  return proto;
}
