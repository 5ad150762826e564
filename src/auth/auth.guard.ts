import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { AppException } from '../common/error-codes';
import { ApiKeyVerifier } from './api-key-verifier';
import { AuthFailureLimiter } from './auth-failure-limiter';
import { AuthUser } from './auth-user';
import { ACCESS_RULE, AccessRule, AuthenticatedRequest, PUBLIC_ROUTE, QUERY_TOKEN_ROUTE, SIGNED_URL_ROUTE } from './auth.decorators';
import { SignedUrls } from './signed-urls';
import { TokenVerifier } from './token-verifier';

/**
 * Global guard: every route needs a Clerk bearer token or an API key unless marked @Public().
 * 401 for missing or invalid credentials, 403 for valid ones without the right to this route, 429 for
 * credentials from an IP with too many recent failures (not verified at all, valid or not), except a token this
 * instance has already verified.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly tokens: TokenVerifier,
    private readonly apiKeys: ApiKeyVerifier,
    private readonly failures: AuthFailureLimiter,
    private readonly signedUrls: SignedUrls,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    if (context.getType() !== 'http') return true;
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(PUBLIC_ROUTE, targets)) return true;
    const rule = this.reflector.getAllAndOverride<AccessRule>(ACCESS_RULE, targets) ?? {};
    const req = context.switchToHttp().getRequest<AuthenticatedRequest>();

    const queryToken = this.reflector.getAllAndOverride<boolean>(QUERY_TOKEN_ROUTE, targets) ? req.query.access_token : undefined;
    const authorization = req.headers.authorization ?? (typeof queryToken === 'string' ? `Bearer ${queryToken}` : undefined);
    const apiKey = req.headers['x-api-key'];
    const hasApiKey = typeof apiKey === 'string' && apiKey.length > 0;
    // Headers win: a signed URL is only what a browser's <video>, <track> or link sends instead of them.
    const signed = !authorization && !hasApiKey && 'signature' in req.query && this.reflector.getAllAndOverride<boolean>(SIGNED_URL_ROUTE, targets);
    if (!authorization && !hasApiKey && !signed) {
      throw new AppException('UNAUTHORIZED', 'Missing credentials: send Authorization: Bearer <token> or X-API-Key');
    }
    // A token this instance verified before (and not yet expired) is no guess: it skips the failure counter's
    // round trip to Redis. Anything else from an IP past its failure limit is refused before verification, so
    // guessing costs no verification work.
    const token = authorization ? bearerToken(authorization) : undefined;
    const known = token ? this.tokens.remembered(token) : undefined;
    const ip = req.ip ?? 'unknown';
    const retryAfter = known ? null : await this.failures.retryAfterSeconds(ip);
    if (retryAfter !== null) {
      throw new AppException('RATE_LIMIT_EXCEEDED', 'Too many failed authentications; retry later', { retry_after_seconds: retryAfter }, { 'Retry-After': String(retryAfter) });
    }
    try {
      req.user =
        known ??
        (signed ? this.verifySignedUrl(req) : authorization ? await this.verifyToken(authorization) : this.verifyApiKey(apiKey as string));
    } catch (error) {
      if (error instanceof AppException && error.errorCode === 'UNAUTHORIZED') await this.failures.recordFailure(ip);
      throw error;
    }
    if (signed) return true; // the signature names this path and its owner: the route's own ownership check follows
    if (authorization) {
      if (rule.adminOnly && !req.user.isAdmin) throw new AppException('FORBIDDEN', 'This route is for administrators');
    } else if (!rule.apiKeyScope || !req.user.scopes?.includes(rule.apiKeyScope)) {
      throw new AppException('FORBIDDEN', 'This API key may not call this route');
    }
    return true;
  }

  private async verifyToken(authorization: string): Promise<AuthUser> {
    const token = bearerToken(authorization);
    if (!token) throw new AppException('UNAUTHORIZED', 'Authorization header must be "Bearer <token>"');
    try {
      return await this.tokens.verify(token);
    } catch {
      throw new AppException('UNAUTHORIZED', 'Invalid or expired token');
    }
  }

  private verifySignedUrl(req: AuthenticatedRequest): AuthUser {
    const userId = this.signedUrls.verify(req.path, req.query);
    if (!userId) throw new AppException('UNAUTHORIZED', 'Invalid or expired signed URL: ask for a new one');
    return { kind: 'user', userId, sessionId: null, isAdmin: false, scopes: null, claims: {} };
  }

  private verifyApiKey(apiKey: string): AuthUser {
    const service = apiKey.length <= 512 ? this.apiKeys.verify(apiKey) : null;
    if (!service) throw new AppException('UNAUTHORIZED', 'Invalid API key');
    return service;
  }
}

const bearerToken = (authorization: string): string | undefined => /^Bearer\s+(\S+)$/i.exec(authorization)?.[1];
