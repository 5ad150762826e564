import { Controller, Get, HttpException, INestApplication, Logger as NestLogger, Module, NotFoundException } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger, LoggerModule } from 'nestjs-pino';
import { loggerParams, requestLogging, rootLoggerOf } from './logging';
import { requestIdHeader } from './request-id';
import { observeRequests } from './request-observers';

const TOKEN = 'eyJ.secret-bearer.token';
const KEY = 'sk-secret-api-key';
const COOKIE = 'session=secret-cookie';
const QUERY_TOKEN = 'secret-query-token';

@Controller()
class ProbeController {
  private readonly logger = new NestLogger('Probe');

  @Get('ok')
  ok() {
    this.logger.warn('inside the request');
    return { ok: true };
  }

  @Get('missing')
  missing() {
    throw new NotFoundException();
  }

  @Get('busy')
  busy() {
    throw new HttpException('try later', 503);
  }

  @Get('boom')
  boom() {
    throw new HttpException('broken', 500);
  }

  @Get('health/live')
  live() {
    return { status: 'ok' };
  }
}

type Line = Record<string, any>;

/** A Nest app wired as app.factory wires it (request id, request logging, nestjs-pino), its log lines captured. */
async function startApp(level: 'info' | 'warn'): Promise<{ app: INestApplication; url: string; lines: Line[] }> {
  const lines: Line[] = [];
  const destination = { write: (text: string) => void lines.push(JSON.parse(text) as Line) };
  @Module({ imports: [LoggerModule.forRoot(loggerParams({ logLevel: level, logPretty: false }, destination))], controllers: [ProbeController] })
  class ProbeModule {}
  const app = await NestFactory.create(ProbeModule, { bufferLogs: true });
  app.useLogger(app.get(Logger));
  app.use(observeRequests(requestIdHeader, requestLogging(rootLoggerOf(app))));
  await app.listen(0, '127.0.0.1');
  const { port } = app.getHttpServer().address() as { port: number };
  return { app, url: `http://127.0.0.1:${port}`, lines };
}

const credentials = { Authorization: `Bearer ${TOKEN}`, 'X-API-Key': KEY, Cookie: COOKIE };

/** Requests, each with every kind of credential, then the lines written once their answers are closed. */
async function requests(url: string, lines: Line[], paths: string[]): Promise<Line[]> {
  for (const [i, path] of paths.entries()) {
    await (await fetch(`${url}${path}`, { headers: { ...credentials, 'X-Request-Id': `rid-${i}` } })).text();
  }
  await new Promise((resolve) => setTimeout(resolve, 50)); // 'close' follows the answer
  return lines;
}

const requestLines = (lines: Line[]) => lines.filter((line) => 'res' in line);

function expectRedacted(lines: Line[]): void {
  const text = JSON.stringify(lines);
  for (const secret of [TOKEN, KEY, 'secret-cookie', QUERY_TOKEN]) expect(text).not.toContain(secret);
}

/** The fields pino-http wrote for one request, with its credentials redacted. */
function expectRequestLine(line: Line, expected: { level: number; id: string; path: string; status: number; msg: string }): void {
  expect(Object.keys(line).sort()).toEqual(
    ['hostname', 'level', 'msg', 'pid', 'req', 'res', 'responseTime', 'time', ...(expected.msg === 'request errored' ? ['err'] : [])].sort(),
  );
  expect(line).toMatchObject({ level: expected.level, msg: expected.msg, res: { statusCode: expected.status } });
  expect(Object.keys(line.req as object)).toEqual(['id', 'method', 'url', 'query', 'params', 'headers', 'remoteAddress', 'remotePort']);
  expect(line.req).toMatchObject({
    id: expected.id,
    method: 'GET',
    url: expected.path.replace(QUERY_TOKEN, '[redacted]'),
    headers: { authorization: '[redacted]', 'x-api-key': '[redacted]', cookie: '[redacted]', 'x-request-id': expected.id },
    remoteAddress: '127.0.0.1',
  });
  expect(line.res.headers).toMatchObject({ 'x-request-id': expected.id });
  expect(typeof line.responseTime).toBe('number');
}

describe('request logging', () => {
  test('at info: one line per request (info, warn for 4xx and 503, error for other 5xx), none for probes, credentials redacted', async () => {
    const { app, url, lines } = await startApp('info');
    try {
      const written = await requests(url, lines, [`/ok?access_token=${QUERY_TOKEN}&page=2`, '/missing', '/boom', '/health/live', '/busy']);
      const perRequest = requestLines(written);
      expect(perRequest).toHaveLength(4);
      expectRequestLine(perRequest[0], { level: 30, id: 'rid-0', path: `/ok?access_token=${QUERY_TOKEN}&page=2`, status: 200, msg: 'request completed' });
      expect(perRequest[0].req.query).toEqual({ access_token: '[redacted]', page: '2' });
      expectRequestLine(perRequest[1], { level: 40, id: 'rid-1', path: '/missing', status: 404, msg: 'request completed' });
      expectRequestLine(perRequest[2], { level: 50, id: 'rid-2', path: '/boom', status: 500, msg: 'request errored' });
      expect(perRequest[2].err).toMatchObject({ type: 'Error', message: 'failed with status code 500' });
      // A 503 is a refusal the service chose (overloaded, a dependency away) and says when to retry: a warning.
      expectRequestLine(perRequest[3], { level: 40, id: 'rid-4', path: '/busy', status: 503, msg: 'request completed' });
      // A service's line inside a request carries the request (its id bound), as nestjs-pino's context did.
      const inside = written.find((line) => line.msg === 'inside the request');
      expect(inside).toMatchObject({ level: 40, context: 'Probe', req: { id: 'rid-0', headers: { authorization: '[redacted]' } } });
      expectRedacted(written);
    } finally {
      await app.close();
    }
  });

  test('at warn: no line for a 2xx, the same line for a 4xx, the request still bound to service lines', async () => {
    const { app, url, lines } = await startApp('warn');
    try {
      const written = await requests(url, lines, [`/ok?access_token=${QUERY_TOKEN}`, '/missing', '/ok']);
      const perRequest = requestLines(written);
      expect(perRequest).toHaveLength(1);
      expectRequestLine(perRequest[0], { level: 40, id: 'rid-1', path: '/missing', status: 404, msg: 'request completed' });
      const inside = written.filter((line) => line.msg === 'inside the request');
      expect(inside.map((line) => (line.req as Line).id)).toEqual(['rid-0', 'rid-2']);
      expectRedacted(written);
    } finally {
      await app.close();
    }
  });
});
