import { isIP } from 'node:net';

/** Express's `trust proxy`: off, any peer, a hop count, or the addresses (and ranges) of trusted proxies. */
export type TrustProxy = boolean | number | string[];

const RANGE_NAMES = new Set(['loopback', 'linklocal', 'uniquelocal']);

/**
 * TRUST_PROXY as Express takes it: `false`, `true`, a number of hops, or a comma list of IPs, CIDR ranges and the
 * names loopback, linklocal, uniquelocal. Throws a message naming the entry that is none of these.
 */
export function parseTrustProxy(value: string): TrustProxy {
  const text = value.trim().toLowerCase();
  if (text === 'false') return false;
  if (text === 'true') return true;
  if (/^\d+$/.test(text)) return Number(text);
  const entries = text.split(',').map((entry) => entry.trim());
  for (const entry of entries) {
    if (RANGE_NAMES.has(entry)) continue;
    const [address, bits, extra] = entry.split('/');
    const version = isIP(address);
    const bitsOk = bits === undefined || (/^\d+$/.test(bits) && Number(bits) <= (version === 4 ? 32 : 128));
    if (version === 0 || !bitsOk || extra !== undefined) {
      throw new Error(`"${entry}" is not an IP, a CIDR range or one of loopback, linklocal, uniquelocal (or use false, true or a hop count)`);
    }
  }
  return entries;
}
