import { createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import type { Request } from 'express';
import type { ApiKeyScope } from '../config/app-config';
import type { AuthUser } from './auth-user';

export const PUBLIC_ROUTE = 'auth:public';
export const QUERY_TOKEN_ROUTE = 'auth:query-token';
export const ACCESS_RULE = 'auth:access';
export const SIGNED_URL_ROUTE = 'auth:signed-url';

export interface AccessRule {
  /** The API-key scope that lets a service call this route; without one, API keys are refused. */
  apiKeyScope?: ApiKeyScope;
  /** Only admins (or API keys with the scope above). */
  adminOnly?: boolean;
}

/** No credentials needed (health, docs). */
export const Public = () => SetMetadata(PUBLIC_ROUTE, true);
export const Access = (rule: AccessRule) => SetMetadata(ACCESS_RULE, rule);
/** Also accepts the token as `?access_token=` (browsers' EventSource cannot send headers). */
export const AllowQueryToken = () => SetMetadata(QUERY_TOKEN_ROUTE, true);
/** Also accepts a URL signed by SignedUrls for this path (`uid`, `expires`, `signature`): for <video>, <track>, links. */
export const AllowSignedUrl = () => SetMetadata(SIGNED_URL_ROUTE, true);

export type AuthenticatedRequest = Request & { user?: AuthUser };

export const CurrentUser = createParamDecorator((_data: unknown, ctx: ExecutionContext): AuthUser => {
  const user = ctx.switchToHttp().getRequest<AuthenticatedRequest>().user;
  if (!user) throw new Error('CurrentUser used on a route without authentication');
  return user;
});
