import { InjectQueue } from '@nestjs/bullmq';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown, OnModuleDestroy, OnModuleInit } from '@nestjs/common';
import { Job as BullJob, Queue, UnrecoverableError, Worker } from 'bullmq';
import { createHash } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { Webhook } from 'standardwebhooks';
import { loadOrCreateDevWebhookSecret } from '../auth/dev-signing-key';
import { AppConfig } from '../config/app-config';
import { JobDto, toJobDto } from '../jobs/dto/job.dto';
import { TERMINAL_STATUSES } from '../jobs/job.model';
import { JobStore } from '../jobs/job.store';
import { bullConnection } from '../queue/bullmq-connection';
import { PreferencesStore } from '../users/preferences.store';
import { JobEventBus } from './job-event-bus';
import { RefusedTargetError, resolveWebhookTarget, WebhookTarget } from './webhook-target';

export const WEBHOOK_QUEUE = 'webhooks';

/** One delivery: the Standard Webhooks message id is the BullMQ job id, so retries carry the same id. */
export interface WebhookDelivery {
  url: string;
  payload: { type: string; timestamp: string; data: JobDto };
}

/**
 * Turns terminal job events into webhook deliveries: to the job's own webhook_url (every terminal event) and
 * to the owner's preferred webhook (the events they chose). Every API instance sees every event; the
 * delivery's job id is derived from the event, so BullMQ keeps one delivery however many instances enqueue it.
 */
@Injectable()
export class WebhookDispatcher implements OnModuleInit, OnModuleDestroy {
  private readonly logger = new Logger(WebhookDispatcher.name);
  private stopListening?: () => void;

  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookDelivery>,
    private readonly bus: JobEventBus,
    private readonly store: JobStore,
    private readonly preferences: PreferencesStore,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.stopListening = this.bus.listen((event) => {
      if (event.deleted || !TERMINAL_STATUSES.has(event.job.status)) return;
      this.dispatch(event.user_id, event.job.job_id).catch((err: Error) =>
        this.logger.warn(`webhooks for job ${event.job.job_id}: ${err.message}`),
      );
    });
  }

  onModuleDestroy(): void {
    this.stopListening?.();
  }

  private async dispatch(userId: string, jobId: string): Promise<void> {
    const [job, prefs] = await Promise.all([this.store.get(jobId), this.preferences.get(userId)]);
    if (!job || !TERMINAL_STATUSES.has(job.status)) return;
    const type = `job.${job.status}`;
    const urls = new Set<string>();
    if (job.configuration.webhook_url) urls.add(job.configuration.webhook_url);
    const preferred = prefs.notifications.webhook_url;
    if (preferred && (prefs.notifications.events as string[]).includes(type)) urls.add(preferred);
    const payload = { type, timestamp: new Date().toISOString(), data: toJobDto(job) };
    for (const url of urls) {
      const urlHash = createHash('sha256').update(url).digest('hex').slice(0, 16);
      await this.queue.add(type, { url, payload }, {
        jobId: `msg_${jobId}_${job.status}_${urlHash}`,
        attempts: this.config.webhooks.maxAttempts,
        backoff: { type: 'exponential', delay: this.config.webhooks.backoffMs },
        // Kept a day so a late duplicate from another instance is still recognised and dropped.
        removeOnComplete: { age: 24 * 3600 },
        removeOnFail: { age: 7 * 24 * 3600 },
      });
    }
  }
}

/** POSTs deliveries (worker role), signed per Standard Webhooks, retried by BullMQ with backoff. */
@Injectable()
export class WebhookSender implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly logger = new Logger(WebhookSender.name);
  private worker?: Worker<WebhookDelivery>;
  private readonly signer: Webhook;

  constructor(@Inject(AppConfig) private readonly config: AppConfig) {
    this.signer = new Webhook(config.webhooks.secret ?? loadOrCreateDevWebhookSecret(config.dataDir));
  }

  onApplicationBootstrap(): void {
    if (!this.config.runsWorker) return;
    this.worker = new Worker<WebhookDelivery>(WEBHOOK_QUEUE, (job) => this.send(job), {
      connection: bullConnection(this.config),
      prefix: this.config.redisKeyPrefix,
      concurrency: 8,
    });
    this.worker.on('error', (err) => this.logger.warn(`webhook worker: ${err.message}`));
  }

  async onApplicationShutdown(): Promise<void> {
    await this.worker?.close();
  }

  private async send(job: BullJob<WebhookDelivery>): Promise<void> {
    const { url, payload } = job.data;
    if (this.config.isProduction && !url.startsWith('https://')) throw new UnrecoverableError('webhooks go to https URLs only');
    let target: WebhookTarget;
    try {
      target = await resolveWebhookTarget(url, this.config.webhooks.allowPrivate);
    } catch (err) {
      if (!(err instanceof RefusedTargetError)) throw err; // a DNS failure may be passing: retried
      this.logger.warn(`webhook ${job.id} to ${new URL(url).origin}: ${err.message}`);
      throw new UnrecoverableError(err.message);
    }
    const body = JSON.stringify(payload);
    const id = job.id as string;
    const timestamp = new Date();
    const status = await post(target, body, {
      'content-type': 'application/json',
      'user-agent': 'video-job-service-webhooks',
      'webhook-id': id,
      'webhook-timestamp': String(Math.floor(timestamp.getTime() / 1000)),
      'webhook-signature': this.signer.sign(id, timestamp, body),
    }, this.config.webhooks.timeoutMs);
    // 410 Gone: the receiver asks us to stop; other failures (a redirect too: it is never followed, it could
    // point anywhere) are retried with backoff.
    if (status === 410) throw new UnrecoverableError('receiver answered 410 Gone');
    if (status < 200 || status > 299) throw new Error(`receiver answered ${status}`);
  }
}

/**
 * POSTs to the checked target and answers the status. Node's http client follows no redirects; `lookup` pins
 * the connection to the checked addresses, on a connection of its own (no pooled socket from another check).
 */
function post(target: WebhookTarget, body: string, headers: Record<string, string>, timeoutMs: number): Promise<number> {
  const request = target.url.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = request(target.url, { method: 'POST', headers, lookup: target.lookup, agent: false, signal: AbortSignal.timeout(timeoutMs) }, (res) => {
      res.resume(); // the answer's body is not read
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end(body);
  });
}
