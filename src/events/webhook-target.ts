import { lookup as dnsLookup, LookupAddress } from 'node:dns';
import { LookupFunction } from 'node:net';
import { promisify } from 'node:util';
import { forbiddenAddressReason, forbiddenHostReason } from '../common/network-policy';

/** A webhook URL that passed the check: connect through `lookup` so the socket goes to the checked addresses. */
export interface WebhookTarget {
  url: URL;
  lookup: LookupFunction;
}

/** The target is not allowed: the delivery fails for good (retrying would not change the answer). */
export class RefusedTargetError extends Error {
  constructor(reason: string) {
    super(`webhook target refused: ${reason}`);
    this.name = 'RefusedTargetError';
  }
}

export type Resolver = (hostname: string) => Promise<LookupAddress[]>;

const resolveAll: Resolver = (hostname) => promisify(dnsLookup)(hostname, { all: true, verbatim: true });

/**
 * Resolves a webhook URL's host and refuses it when its name or ANY of its addresses is forbidden (a name with
 * one public and one loopback address would otherwise reach loopback on the second try). The returned lookup
 * answers with those same addresses, so a DNS answer that changes between the check and the connection (DNS
 * rebinding) is never used. `allowPrivate` skips the refusal, not the pinning.
 */
export async function resolveWebhookTarget(rawUrl: string, allowPrivate: boolean, resolve: Resolver = resolveAll): Promise<WebhookTarget> {
  const url = new URL(rawUrl);
  const hostReason = allowPrivate ? undefined : forbiddenHostReason(rawUrl);
  if (hostReason) throw new RefusedTargetError(`${url.hostname} is ${hostReason}`);
  const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const addresses = await resolve(hostname);
  if (addresses.length === 0) throw new Error(`${hostname} has no address`);
  for (const { address } of addresses) {
    const reason = allowPrivate ? undefined : forbiddenAddressReason(address);
    if (reason) throw new RefusedTargetError(`${hostname} resolves to ${address}, ${reason}`);
  }
  // Node asks for every address (all: true) when it tries IPv4 and IPv6 in turn, for one address otherwise.
  const lookup: LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, addresses);
    else callback(null, addresses[0].address, addresses[0].family);
  };
  return { url, lookup };
}
