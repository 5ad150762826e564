import { InjectQueue } from '@nestjs/bullmq';
import { Injectable, OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import { Queue } from 'bullmq';
import type { NextFunction, Request, RequestHandler, Response } from 'express';
import { AppException } from '../common/error-codes';
import { AppConfig } from '../config/app-config';
import { WEBHOOK_QUEUE } from '../events/webhooks';
import { RENDER_QUEUE } from '../queue/queue.constants';
import { AdminSessions, QUEUE_BOARD_PATH } from './admin-sessions';

/** A <link> to another origin (bull-board's page asks Google Fonts for its typeface; the system font does fine). */
const OTHER_ORIGIN_LINK = /<link\b[^>]*\bhref="(?:https?:)?\/\/[^"]*"[^>]*>/gi;

/**
 * bull-board at /admin/queues, for the render and webhook queues, behind an admin session cookie (see
 * AdminSessions). API roles only: a worker serves no API. Mounted as plain Express middleware, outside Nest's guards:
 * the session check here is its whole authentication.
 */
@Injectable()
export class QueueBoard implements OnModuleInit {
  constructor(
    private readonly http: HttpAdapterHost,
    private readonly config: AppConfig,
    private readonly sessions: AdminSessions,
    @InjectQueue(RENDER_QUEUE) private readonly renderQueue: Queue,
    @InjectQueue(WEBHOOK_QUEUE) private readonly webhookQueue: Queue,
  ) {}

  onModuleInit(): void {
    if (!this.config.runsApi) return;
    const board = new ExpressAdapter().setBasePath(QUEUE_BOARD_PATH);
    createBullBoard({
      queues: [
        // Read-only: a render job's state belongs to the job store; cancelling goes through the API so the job, its
        // files and its events stay consistent. Webhook deliveries may be retried, paused or cleaned from here.
        new BullMQAdapter(this.renderQueue, { readOnlyMode: true, description: 'Video renders (cancel jobs through the API)' }),
        new BullMQAdapter(this.webhookQueue, { description: 'Webhook deliveries' }),
      ],
      serverAdapter: board,
      options: { uiConfig: { boardTitle: 'Video job queues' } },
    });
    this.http.httpAdapter.use(QUEUE_BOARD_PATH, this.requireSession(), sameOriginPage, board.getRouter());
  }

  private requireSession(): RequestHandler {
    return (req, _res, next) => {
      this.sessions.fromCookieHeader(req.headers.cookie).then(
        (session) =>
          next(
            session
              ? undefined
              : new AppException('UNAUTHORIZED', `Open an admin session first: POST /api/v1/system/admin-session with an admin token or a system:write API key`),
          ),
        next,
      );
    };
  }
}

/** The dashboard's page, rendered by bull-board, without references to other origins. */
function sameOriginPage(_req: Request, res: Response, next: NextFunction): void {
  const render = res.render.bind(res);
  res.render = (view: string, options?: object) =>
    render(view, options ?? {}, (err: Error | null, html?: string) => (err ? next(err) : res.send((html ?? '').replace(OTHER_ORIGIN_LINK, ''))));
  next();
}
