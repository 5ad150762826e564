import { Inject, Injectable } from '@nestjs/common';
import { HealthIndicatorResult, HealthIndicatorService } from '@nestjs/terminus';
import { spawn } from 'node:child_process';
import { freemem } from 'node:os';
import { AppConfig } from '../config/app-config';
import { StorageService } from '../files/storage.service';
import { VIDEO_PIPELINE, VideoPipeline } from '../pipeline/video-pipeline';
import { QueueHealthIndicator } from '../queue/queue.health';
import { RedisHealthIndicator } from '../redis/redis.health';

const TOOL_CHECK_TTL_MS = 60_000;

/** The indicators behind readiness and /api/v1/system/health, each a Terminus indicator result. */
@Injectable()
export class SystemHealthService {
  private toolCheck?: { at: number; missing: Promise<string[]> };

  constructor(
    private readonly health: HealthIndicatorService,
    private readonly redis: RedisHealthIndicator,
    private readonly queue: QueueHealthIndicator,
    private readonly storage: StorageService,
    private readonly config: AppConfig,
    @Inject(VIDEO_PIPELINE) private readonly pipeline: VideoPipeline,
  ) {}

  /** Every readiness check, in the order the system health report lists them. */
  checks(): Array<() => Promise<HealthIndicatorResult>> {
    return [
      () => this.redis.check('redis'),
      () => this.queue.check('queue'),
      () => this.checkStorage(),
      () => this.checkPipeline(),
      () => this.checkDisk(),
      () => this.checkMemory(),
    ];
  }

  private async checkStorage() {
    const session = this.health.check('storage');
    try {
      await this.storage.checkWritable();
      return session.up();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      // A bucket that answers but refuses has no errno code: the S3 error's name says why (NotFound, AccessDenied, …).
      if (this.config.s3) return session.down({ message: `bucket not reachable: ${code ?? (err as Error).name}` });
      return session.down({ message: `storage not writable: ${code ?? 'error'}` });
    }
  }

  private async checkPipeline() {
    const session = this.health.check('pipeline');
    if (!this.config.runsWorker) return session.up({ message: 'api role: no renders here' });
    const missing = await this.missingTools();
    return missing.length === 0
      ? session.up({ name: this.pipeline.name, tools: this.pipeline.requiredTools() })
      : session.down({ name: this.pipeline.name, message: `missing tools: ${missing.join(', ')}` });
  }

  private async checkDisk() {
    const session = this.health.check('disk');
    const free = await this.storage.freeBytes();
    const data = { free_bytes: free, floor_bytes: this.config.minFreeDiskBytes };
    return free >= this.config.minFreeDiskBytes ? session.up(data) : session.down({ ...data, message: 'free disk below floor' });
  }

  private checkMemory() {
    const session = this.health.check('memory');
    const free = freemem();
    const data = { free_bytes: free, floor_bytes: this.config.minFreeMemoryBytes, rss_bytes: process.memoryUsage().rss };
    return Promise.resolve(
      free >= this.config.minFreeMemoryBytes ? session.up(data) : session.down({ ...data, message: 'free memory below floor' }),
    );
  }

  /** Tools are looked up at most once a minute: readiness is polled often and the answer rarely changes. */
  private missingTools(): Promise<string[]> {
    if (!this.toolCheck || Date.now() - this.toolCheck.at > TOOL_CHECK_TTL_MS) {
      const tools = this.pipeline.requiredTools();
      this.toolCheck = {
        at: Date.now(),
        missing: Promise.all(tools.map((t) => toolFound(t))).then((ok) => tools.filter((_, i) => !ok[i])),
      };
    }
    return this.toolCheck.missing;
  }
}

/**
 * A tool is present when the shell can find it as an executable (`command -v`, a builtin): nothing is run,
 * which matters when the "tool" is an external generator. The name is passed as an argument, never parsed.
 */
function toolFound(tool: string): Promise<boolean> {
  return new Promise((resolve) => {
    const child = spawn('sh', ['-c', 'command -v -- "$1" >/dev/null', 'sh', tool], { stdio: 'ignore', timeout: 5000 });
    child.on('error', () => resolve(false));
    child.on('exit', (code) => resolve(code === 0));
  });
}
