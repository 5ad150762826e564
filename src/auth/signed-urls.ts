import { Injectable } from '@nestjs/common';
import { createHmac, hkdfSync, timingSafeEqual } from 'node:crypto';
import { AppConfig } from '../config/app-config';
import { loadOrCreateDevWebhookSecret } from '../common/dev-secrets';

/**
 * Short-lived URLs for one file path each (a video, its captions or thumbnail), for browsers: a <video>, <track> or
 * download link cannot send an Authorization header, and a session token in a URL would leak into logs and history.
 * The URL grants GET of that one path, as its owner, until it expires; nothing else. The key is derived (HKDF) from
 * DOWNLOAD_URL_SECRET, else WEBHOOK_SECRET (required in production), so every API instance checks what another signed.
 */
@Injectable()
export class SignedUrls {
  private readonly key: Buffer;
  readonly ttlSeconds: number;

  constructor(config: AppConfig) {
    const secret = config.downloadUrls.secret ?? config.webhooks.secret ?? loadOrCreateDevWebhookSecret(config.dataDir);
    this.key = Buffer.from(hkdfSync('sha256', secret, '', 'video-job-service download-url v1', 32));
    this.ttlSeconds = config.downloadUrls.ttlSeconds;
  }

  /** `path` with the query that lets `userId`'s browser GET it until the returned time. */
  sign(path: string, userId: string, now = Date.now()): { url: string; expiresAt: Date } {
    const expires = String(Math.floor(now / 1000) + this.ttlSeconds);
    const query = new URLSearchParams({ uid: userId, expires, signature: this.mac(path, userId, expires) });
    return { url: `${path}?${query}`, expiresAt: new Date(Number(expires) * 1000) };
  }

  /** The owner's user id when `query` (`uid`, `expires` in Unix seconds, `signature`) is current for `path`; else null. */
  verify(path: string, query: Record<string, unknown>, now = Date.now()): string | null {
    const { uid, expires, signature } = query;
    if (typeof uid !== 'string' || typeof expires !== 'string' || typeof signature !== 'string') return null;
    if (!/^\d{1,12}$/.test(expires) || Number(expires) * 1000 <= now) return null;
    const expected = Buffer.from(this.mac(path, uid, expires));
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? uid : null;
  }

  private mac(path: string, userId: string, expires: string): string {
    return createHmac('sha256', this.key).update(`${path}\n${userId}\n${expires}`).digest('base64url');
  }
}
