import { InjectQueue } from '@nestjs/bullmq';
import {
  BeforeApplicationShutdown,
  Inject,
  Injectable,
  Logger,
  OnApplicationBootstrap,
  OnApplicationShutdown,
} from '@nestjs/common';
import { Job as BullJob, Queue, UnrecoverableError, Worker } from 'bullmq';
import { createHash, randomBytes } from 'node:crypto';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { hostname } from 'node:os';
import { Webhook } from 'standardwebhooks';
import { summarizeBatch } from '../batch/batch-summary';
import { BatchStore } from '../batch/batch.store';
import { BatchSummaryDto } from '../batch/dto/batch.dto';
import { loadOrCreateDevWebhookSecret } from '../common/dev-secrets';
import { AppConfig } from '../config/app-config';
import { JobDto, toJobDto } from '../jobs/dto/job.dto';
import { JobStore } from '../jobs/job.store';
import { bullConnection } from '../queue/bullmq-connection';
import { closeWorker } from '../queue/worker-shutdown';
import { PreferencesStore, UserPreferences } from '../users/preferences.store';
import { OutboxEntry, WebhookOutboxStore } from './webhook-outbox.store';
import { RefusedTargetError, resolveWebhookTarget, WebhookTarget } from './webhook-target';

export const WEBHOOK_QUEUE = 'webhooks';

/** One delivery: the Standard Webhooks message id is the BullMQ job id, so retries carry the same id. */
export interface WebhookDelivery {
  url: string;
  payload: { type: string; timestamp: string; data: JobDto | BatchSummaryDto };
}

const READ_COUNT = 50;
/** Bounds how long a blocking read keeps the loop from checking for stale entries and for shutdown. */
const READ_BLOCK_MS = 5000;
/** An entry unacknowledged this long was left by a consumer that died (or failed it): another takes it over. */
const OUTBOX_CLAIM_IDLE_MS = 15_000;
const CLAIM_EVERY_MS = 5000;
/** Consumers of past process starts that own nothing are forgotten after this long (looked for every 10 minutes). */
const FORGET_CONSUMER_IDLE_MS = 3600_000;
const FORGET_EVERY_MS = 600_000;

/**
 * Turns the outbox's terminal job changes into webhook deliveries (worker role: workers always run, API
 * processes may not). To the job's own webhook_url (every terminal event) and the owner's preferred webhook
 * (the events they chose); when the job was its batch's last, one `batch.completed` too. An entry is
 * acknowledged only after its deliveries were enqueued; delivery ids are derived from the entry, so an entry
 * handled twice (taken over from a consumer that was slow, not dead) still sends each message once.
 */
@Injectable()
export class WebhookOutboxReader implements OnApplicationBootstrap, BeforeApplicationShutdown {
  private readonly logger = new Logger(WebhookOutboxReader.name);
  private readonly consumer = `${hostname()}-${process.pid}-${randomBytes(3).toString('hex')}`;
  private stopped = false;
  private running?: Promise<void>;

  constructor(
    @InjectQueue(WEBHOOK_QUEUE) private readonly queue: Queue<WebhookDelivery>,
    private readonly outbox: WebhookOutboxStore,
    private readonly store: JobStore,
    private readonly batches: BatchStore,
    private readonly preferences: PreferencesStore,
    private readonly config: AppConfig,
  ) {}

  onApplicationBootstrap(): void {
    this.queue.on('error', (err: Error) => this.logger.warn(`webhook queue: ${err.message}`));
    if (this.config.runsWorker) this.running = this.run();
  }

  async beforeApplicationShutdown(): Promise<void> {
    this.stopped = true;
    this.outbox.closeReader();
    await this.running;
  }

  private async run(): Promise<void> {
    let ready = false;
    let nextClaim = 0;
    let nextForget = 0;
    while (!this.stopped) {
      try {
        if (!ready) await this.outbox.ensureGroup();
        ready = true;
        if (Date.now() >= nextClaim) {
          nextClaim = Date.now() + CLAIM_EVERY_MS;
          await this.handle(await this.outbox.claimStale(this.consumer, OUTBOX_CLAIM_IDLE_MS, READ_COUNT));
        }
        if (Date.now() >= nextForget) {
          nextForget = Date.now() + FORGET_EVERY_MS;
          await this.outbox.forgetIdleConsumers(FORGET_CONSUMER_IDLE_MS);
        }
        if (this.stopped) break; // a read now would open a connection that shutdown already closed
        await this.handle(await this.outbox.readNew(this.consumer, READ_COUNT, READ_BLOCK_MS));
      } catch (err) {
        if (this.stopped) break;
        this.logger.warn(`webhook outbox: ${(err as Error).message}`);
        ready = false; // Redis may have lost the group (restarted without persistence): made again
        await new Promise((r) => setTimeout(r, 1000));
      }
    }
  }

  private async handle(entries: OutboxEntry[]): Promise<void> {
    for (const entry of entries) {
      try {
        await this.dispatch(entry);
        await this.outbox.ack(entry.id);
      } catch (err) {
        // Left unacknowledged: taken up again once it has been idle for OUTBOX_CLAIM_IDLE_MS.
        this.logger.warn(`webhooks for job ${entry.jobId}: ${(err as Error).message}`);
      }
    }
  }

  private async dispatch(entry: OutboxEntry): Promise<void> {
    const [job, prefs] = await Promise.all([this.store.get(entry.jobId), this.preferences.get(entry.userId)]);
    // A job deleted since has nobody left to tell about it.
    if (job) {
      const type = `job.${entry.status}`;
      const data = toJobDto(job);
      for (const url of targets([job.configuration.webhook_url], prefs, type)) {
        await this.enqueue(`msg_${job.id}_${entry.status}_${urlHash(url)}`, url, type, data);
      }
    }
    if (entry.batchCompleted && entry.batchId) {
      const batch = await this.batches.get(entry.batchId);
      if (!batch) return;
      const data = summarizeBatch(batch);
      for (const url of targets(batch.jobs.map((j) => j.configuration.webhook_url), prefs, 'batch.completed')) {
        await this.enqueue(`msg_${batch.id}_batch_completed_${urlHash(url)}`, url, 'batch.completed', data);
      }
    }
  }

  private async enqueue(id: string, url: string, type: string, data: WebhookDelivery['payload']['data']): Promise<void> {
    await this.queue.add(type, { url, payload: { type, timestamp: new Date().toISOString(), data } }, {
      jobId: id,
      attempts: this.config.webhooks.maxAttempts,
      backoff: { type: 'exponential', delay: this.config.webhooks.backoffMs },
      // Kept a day so a late duplicate (an entry handled twice) is still recognised and dropped.
      removeOnComplete: { age: 24 * 3600 },
      removeOnFail: { age: 7 * 24 * 3600 },
    });
  }
}

/** The request-level URLs, plus the owner's preferred webhook when they chose this event type. */
function targets(urls: (string | undefined)[], prefs: UserPreferences, type: string): Set<string> {
  const all = new Set(urls.filter((u): u is string => Boolean(u)));
  const preferred = prefs.notifications.webhook_url;
  if (preferred && (prefs.notifications.events as string[]).includes(type)) all.add(preferred);
  return all;
}

const urlHash = (url: string) => createHash('sha256').update(url).digest('hex').slice(0, 16);

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
    if (this.worker) await closeWorker(this.worker);
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
