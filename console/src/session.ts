import type { TokenSource } from './api';

/** Who is signed in and how to get a current token for them; `signOut` ends it. */
export interface Session {
  token: TokenSource;
  signOut(): Promise<void>;
  /** A pasted token cannot be renewed: when it expires, the user pastes another. */
  renewable: boolean;
}

export interface ConsoleSettings {
  clerk_publishable_key: string | null;
  dev_tokens: boolean;
}

const DEV_TOKEN_KEY = 'vgs-console-token';

/** A pasted development token, kept for this tab only (sessionStorage), never in a URL. */
export function devTokenSession(token?: string): Session | null {
  if (token) sessionStorage.setItem(DEV_TOKEN_KEY, token.trim());
  const stored = sessionStorage.getItem(DEV_TOKEN_KEY);
  if (!stored) return null;
  return {
    token: () => Promise.resolve(stored),
    signOut: () => Promise.resolve(sessionStorage.removeItem(DEV_TOKEN_KEY)),
    renewable: false,
  };
}

/**
 * Clerk's browser SDK, bundled from npm (the no-rhc build loads no code from Clerk's CDN), imported only when the
 * instance has a publishable key. Signing in happens on Clerk's hosted pages, which send the browser back here.
 */
export async function clerkSession(publishableKey: string): Promise<{ session: Session | null; signIn(): Promise<unknown> }> {
  const { Clerk } = await import('@clerk/clerk-js/no-rhc');
  const clerk = new Clerk(publishableKey);
  await clerk.load({ telemetry: false });
  const signIn = () => clerk.redirectToSignIn({ redirectUrl: window.location.href });
  const active = clerk.session;
  if (!active) return { session: null, signIn };
  return {
    session: {
      // getToken() answers from Clerk's cache and refreshes the short-lived token before it expires.
      token: async () => {
        const token = await active.getToken();
        if (!token) throw new Error('The Clerk session has ended: sign in again');
        return token;
      },
      signOut: () => clerk.signOut(),
      renewable: true,
    },
    signIn,
  };
}
