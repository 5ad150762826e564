import { createHash } from 'node:crypto';

/** Every Redis key of the service lives under one prefix; this is the only place that spells it. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }

  /**
   * A key named by caller-chosen text (an Idempotency-Key and its owner): hashed as one encoded tuple, so a `:`
   * inside any part can never make two different tuples share a key.
   */
  hashed(kind: string, ...parts: string[]): string {
    return this.key(kind, createHash('sha256').update(JSON.stringify(parts)).digest('hex'));
  }
}
