import { Injectable } from '@nestjs/common';
import { AppException } from '../common/error-codes';
import { AppConfig } from '../config/app-config';

/** How soon a refused upload is worth trying again: a few decodes' time. */
const RETRY_AFTER_SECONDS = 5;

/**
 * Media uploads decoded at once in this process (UPLOAD_DECODE_CONCURRENCY): each decode holds a whole frame
 * and an ffmpeg, so parallel uploads would otherwise add up to gigabytes. Up to UPLOAD_DECODE_QUEUE more wait
 * their turn, first come first served; past that an upload is refused with 503 rather than queued forever.
 */
@Injectable()
export class DecodeSlots {
  private readonly concurrency: number;
  private readonly maxWaiting: number;
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(config: AppConfig) {
    this.concurrency = config.uploadDecodeConcurrency;
    this.maxWaiting = config.uploadDecodeQueue;
  }

  /** Runs `work` in a slot, waiting for one when all are taken; throws SERVICE_UNAVAILABLE when the queue is full. */
  async run<T>(work: () => Promise<T>): Promise<T> {
    await this.acquire();
    try {
      return await work();
    } finally {
      this.release();
    }
  }

  /** Decodes running and uploads waiting for a slot now. */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  private acquire(): Promise<void> {
    if (this.running < this.concurrency) {
      this.running++;
      return Promise.resolve();
    }
    if (this.waiting.length >= this.maxWaiting) {
      return Promise.reject(
        new AppException(
          'SERVICE_UNAVAILABLE',
          'Too many uploads are being processed; retry shortly',
          { retry_after_seconds: RETRY_AFTER_SECONDS },
          { 'Retry-After': String(RETRY_AFTER_SECONDS) },
        ),
      );
    }
    return new Promise((resolve) => this.waiting.push(resolve));
  }

  private release(): void {
    const next = this.waiting.shift();
    // The slot passes straight to the next in line, so a newcomer cannot jump the queue.
    if (next) next();
    else this.running--;
  }
}
