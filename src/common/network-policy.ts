import { BlockList, isIP } from 'node:net';
import { validationException } from './validation';

/**
 * Which addresses the service may connect to on a caller's behalf (webhooks): public unicast only. Anything
 * that reaches the service's own host, its private network or the cloud's metadata endpoint is refused.
 */

const rules = (family: 'ipv4' | 'ipv6', entries: Array<[reason: string, subnets: string[]]>) =>
  entries.map(([reason, subnets]) => {
    const list = new BlockList();
    for (const subnet of subnets) {
      const [network, prefix] = subnet.split('/');
      list.addSubnet(network, Number(prefix), family);
    }
    return { reason, list };
  });

// The first match names the reason, so the metadata address is listed before the link-local range holding it.
const IPV4_RULES = rules('ipv4', [
  ['a cloud metadata address', ['169.254.169.254/32', '100.100.100.200/32']],
  ['an unspecified address', ['0.0.0.0/8']],
  ['a loopback address', ['127.0.0.0/8']],
  ['a private address', ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16']],
  ['a link-local address', ['169.254.0.0/16']],
  ['a carrier-grade NAT address', ['100.64.0.0/10']],
  ['a multicast address', ['224.0.0.0/4']],
  // 240/4 holds the broadcast address; the others are protocol, benchmarking and documentation networks.
  ['a reserved address', ['240.0.0.0/4', '192.0.0.0/24', '192.0.2.0/24', '198.18.0.0/15', '198.51.100.0/24', '203.0.113.0/24']],
]);

const IPV6_RULES = rules('ipv6', [
  ['a cloud metadata address', ['fd00:ec2::254/128']],
  ['an unspecified address', ['::/128']],
  ['a loopback address', ['::1/128']],
  ['a link-local address', ['fe80::/10']],
  ['a unique-local address', ['fc00::/7']],
  ['a multicast address', ['ff00::/8']],
  // Deprecated site-local, discard-only, documentation, Teredo (the client address inside is obfuscated) and
  // local-use NAT64 (where the IPv4 address sits depends on a prefix length we cannot know).
  ['a reserved address', ['fec0::/10', '100::/64', '2001:db8::/32', '2001::/32', '64:ff9b:1::/48']],
]);

/** The eight 16-bit words of an IPv6 address (a valid one, as `net.isIP` accepts; a zone id is ignored). */
function ipv6Words(address: string): number[] {
  let text = address.replace(/%.*$/, '');
  const dotted = /(\d+)\.(\d+)\.(\d+)\.(\d+)$/.exec(text);
  if (dotted) {
    const [a, b, c, d] = dotted.slice(1).map(Number);
    text = `${text.slice(0, dotted.index)}${((a << 8) | b).toString(16)}:${((c << 8) | d).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const words = (part: string) => (part ? part.split(':').map((w) => parseInt(w, 16)) : []);
  if (tail === undefined) return words(head);
  const [left, right] = [words(head), words(tail)];
  return [...left, ...new Array<number>(8 - left.length - right.length).fill(0), ...right];
}

const dottedQuad = (high: number, low: number) => `${high >> 8}.${high & 255}.${low >> 8}.${low & 255}`;

/**
 * The IPv4 address an IPv6 address stands for, where it carries one a host would reach: IPv4-mapped
 * (::ffff:a.b.c.d), IPv4-compatible (::a.b.c.d), SIIT (::ffff:0:a.b.c.d), well-known NAT64 (64:ff9b::a.b.c.d)
 * and 6to4 (2002:aabb:ccdd::).
 */
function embeddedIpv4(words: number[]): string | undefined {
  const zeros = (from: number, to: number) => words.slice(from, to).every((w) => w === 0);
  if (zeros(0, 5) && (words[5] === 0xffff || words[5] === 0)) return dottedQuad(words[6], words[7]);
  if (zeros(0, 4) && words[4] === 0xffff && words[5] === 0) return dottedQuad(words[6], words[7]);
  if (words[0] === 0x64 && words[1] === 0xff9b && zeros(2, 6)) return dottedQuad(words[6], words[7]);
  if (words[0] === 0x2002) return dottedQuad(words[1], words[2]);
  return undefined;
}

/** Why the service must not connect to this IP address, or undefined when it is public. Not an IP: refused. */
export function forbiddenAddressReason(address: string): string | undefined {
  const family = isIP(address);
  if (family === 4) return IPV4_RULES.find((r) => r.list.check(address, 'ipv4'))?.reason;
  if (family !== 6) return 'not an IP address';
  const bare = address.replace(/%.*$/, '');
  const own = IPV6_RULES.find((r) => r.list.check(bare, 'ipv6'))?.reason;
  if (own) return own;
  const v4 = embeddedIpv4(ipv6Words(bare));
  const inner = v4 === undefined ? undefined : forbiddenAddressReason(v4);
  return inner && `${inner} (${v4} inside ${bare})`;
}

/**
 * Why a URL's host is refused before any DNS lookup: `localhost` and its subdomains (RFC 6761: they resolve
 * to loopback) and forbidden IP literals. WHATWG URL parsing has already turned decimal (2130706433), octal
 * (0177.0.0.1), hexadecimal (0x7f.1) and short (127.1) IPv4 forms into a dotted quad, and IPv6 into its
 * canonical form, so what a client connects to is what is checked here. Undefined: a name to check at delivery.
 */
export function forbiddenHostReason(url: string): string | undefined {
  let hostname: string;
  try {
    hostname = new URL(url).hostname.toLowerCase();
  } catch {
    return 'not a URL';
  }
  const bare = hostname.replace(/^\[(.*)\]$/, '$1').replace(/\.$/, '');
  if (bare === 'localhost' || bare.endsWith('.localhost')) return 'a loopback name';
  return isIP(bare) ? forbiddenAddressReason(bare) : undefined;
}

/**
 * Submission: a webhook URL whose host is a forbidden literal or a loopback name is a 422 naming `field`
 * (names are checked again, after DNS resolution, at every delivery). `allowPrivate`: development and tests.
 */
export function assertWebhookUrlAllowed(url: string | null | undefined, field: string, allowPrivate: boolean): void {
  const reason = url && !allowPrivate ? forbiddenHostReason(url) : undefined;
  if (reason) throw validationException([{ field, errors: [`${field} must not point at ${reason}`] }]);
}
