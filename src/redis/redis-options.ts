import type { RedisOptions } from 'ioredis';

export interface RedisNode {
  host: string;
  port: number;
}

/**
 * Where the service's Redis is, as REDIS_URL or REDIS_CLUSTER_NODES name it: one node (`redis://`, `rediss://`),
 * a master found through Sentinel (`redis+sentinel://`), or a Redis Cluster (`redis+cluster://` or the node list).
 * `options` are what every connection to it shares (credentials, TLS, database; Sentinel's hosts and master name).
 */
export type RedisTarget =
  | { mode: 'standalone'; options: RedisOptions }
  | { mode: 'sentinel'; options: RedisOptions }
  | { mode: 'cluster'; nodes: RedisNode[]; options: RedisOptions };

const DEFAULT_PORT = 6379;
const DEFAULT_SENTINEL_PORT = 26379;
const SCHEME = /^(rediss?)(?:\+(sentinel|cluster))?:\/\/(.*)$/;

/** Reads REDIS_URL (and REDIS_CLUSTER_NODES, which wins when set); throws a message naming what is wrong. */
export function redisTarget(url: string, clusterNodes?: string): RedisTarget {
  if (clusterNodes) return { mode: 'cluster', nodes: parseNodes(clusterNodes, DEFAULT_PORT), options: {} };
  const match = SCHEME.exec(url);
  if (!match) throw new Error('must be a redis://, rediss://, redis+sentinel:// or redis+cluster:// URL');
  const [, scheme, kind, rest] = match;
  if (!kind) return { mode: 'standalone', options: redisOptionsFromUrl(url) };
  // Several hosts do not fit WHATWG URL parsing: split by hand, credentials before the last '@' of the authority.
  const [beforeQuery, query = ''] = splitOnce(rest, '?');
  const at = beforeQuery.lastIndexOf('@');
  const [hostPart, path = ''] = splitOnce(beforeQuery.slice(at + 1), '/');
  const userInfo = at < 0 ? '' : beforeQuery.slice(0, at);
  const [user, password] = splitOnce(userInfo, ':');
  const tls = scheme === 'rediss' ? {} : undefined;
  const credentials = { username: decoded(user), password: decoded(password), tls };
  const segments = path.split('/').filter(Boolean);
  if (kind === 'cluster') {
    if (segments.length > 1 || (segments[0] !== undefined && segments[0] !== '0')) throw new Error('a Redis Cluster has database 0 only');
    return { mode: 'cluster', nodes: parseNodes(hostPart, DEFAULT_PORT), options: credentials };
  }
  const [name, db = '0'] = segments;
  if (!name || segments.length > 2) throw new Error('redis+sentinel:// needs the master name as its path: redis+sentinel://host:26379/mymaster[/db]');
  if (!/^\d+$/.test(db)) throw new Error(`database "${db}" is not a number`);
  const params = new URLSearchParams(query);
  return {
    mode: 'sentinel',
    options: {
      ...credentials,
      db: Number(db),
      name: decodeURIComponent(name),
      sentinels: parseNodes(hostPart, DEFAULT_SENTINEL_PORT),
      sentinelPassword: params.get('sentinel_password') ?? undefined,
      enableTLSForSentinelMode: tls !== undefined,
      sentinelTLS: tls,
    },
  };
}

/** Connection options of a `redis://` or `rediss://` URL. */
function redisOptionsFromUrl(url: string): RedisOptions {
  const u = new URL(url);
  const db = u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0;
  return {
    host: u.hostname.replace(/^\[|\]$/g, ''),
    port: u.port ? Number(u.port) : DEFAULT_PORT,
    username: u.username ? decodeURIComponent(u.username) : undefined,
    password: u.password ? decodeURIComponent(u.password) : undefined,
    db: Number.isInteger(db) ? db : 0,
    tls: u.protocol === 'rediss:' ? {} : undefined,
  };
}

/** `host:port,host:port,…`, IPv6 hosts in brackets; a node without a port gets `defaultPort`. */
function parseNodes(list: string, defaultPort: number): RedisNode[] {
  const nodes = list
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)
    .map((entry) => {
      const m = /^(\[[0-9a-fA-F:.]+\]|[^\s:[\]/@]+)(?::(\d{1,5}))?$/.exec(entry);
      const port = m?.[2] === undefined ? defaultPort : Number(m[2]);
      if (!m || port < 1 || port > 65535) throw new Error(`"${entry}" is not host:port`);
      return { host: m[1].replace(/^\[|\]$/g, ''), port };
    });
  if (nodes.length === 0) throw new Error('names no host:port');
  return nodes;
}

function splitOnce(s: string, separator: string): [string, string?] {
  const at = s.indexOf(separator);
  return at < 0 ? [s] : [s.slice(0, at), s.slice(at + 1)];
}

const decoded = (s: string | undefined) => (s ? decodeURIComponent(s) : undefined);
