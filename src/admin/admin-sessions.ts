import { Injectable } from '@nestjs/common';
import { randomBytes } from 'node:crypto';
import { AuthUser } from '../auth/auth-user';
import { AdminSession, AdminSessionStore } from './admin-session.store';

/** Where bull-board is served; the session cookie is sent to nothing else. */
export const QUEUE_BOARD_PATH = '/admin/queues';
export const ADMIN_SESSION_COOKIE = 'vgs_admin_session';
/** Long enough to look around the dashboard, short enough that a forgotten browser tab soon loses it. */
export const ADMIN_SESSION_TTL_SECONDS = 15 * 60;
const SESSION_ID = /^[A-Za-z0-9_-]{43}$/;

/**
 * Browser sessions for the queue dashboard. Its pages and XHRs cannot carry a bearer token, and a token never goes
 * in a URL: an admin (or a system:write API key) trades their credentials for a random session id, sent back as an
 * HttpOnly, SameSite=Strict cookie scoped to the dashboard's path.
 */
@Injectable()
export class AdminSessions {
  constructor(private readonly store: AdminSessionStore) {}

  async open(operator: AuthUser): Promise<{ sessionId: string; expiresAt: Date }> {
    const sessionId = randomBytes(32).toString('base64url');
    await this.store.put(sessionId, { user_id: operator.userId, kind: operator.kind }, ADMIN_SESSION_TTL_SECONDS);
    return { sessionId, expiresAt: new Date(Date.now() + ADMIN_SESSION_TTL_SECONDS * 1000) };
  }

  /** The session named by the request's cookie, or null when there is none, or it is malformed or expired. */
  async fromCookieHeader(header: string | undefined): Promise<AdminSession | null> {
    const sessionId = readCookie(header, ADMIN_SESSION_COOKIE);
    return sessionId && SESSION_ID.test(sessionId) ? this.store.get(sessionId) : null;
  }
}

/** `name=value; Path=/admin/queues; …` for a Set-Cookie header; Secure whenever the request came over HTTPS. */
export function sessionCookie(sessionId: string, secure: boolean): string {
  const attributes = [`Path=${QUEUE_BOARD_PATH}`, `Max-Age=${ADMIN_SESSION_TTL_SECONDS}`, 'HttpOnly', 'SameSite=Strict'];
  return [`${ADMIN_SESSION_COOKIE}=${sessionId}`, ...attributes, ...(secure ? ['Secure'] : [])].join('; ');
}

function readCookie(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return part.slice(at + 1).trim();
  }
  return undefined;
}
