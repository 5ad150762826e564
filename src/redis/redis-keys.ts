/** Every Redis key of the service lives under one prefix; this is the only place that spells it. */
export class RedisKeys {
  constructor(readonly prefix: string) {}

  key(...parts: string[]): string {
    return [this.prefix, ...parts].join(':');
  }
}
