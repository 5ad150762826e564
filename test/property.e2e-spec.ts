import fc from 'fast-check';
import { IncomingHttpHeaders, request as httpRequest } from 'node:http';
import { gzipSync } from 'node:zlib';
import { ERROR_CODES } from '../src/common/error-codes';
import { AZP, isTerminal, startTestApp, TestContext, waitForJob } from './support/test-app';
import { TestIssuer } from './support/tokens';

/*
 * Property-based hostile input against every route of the OpenAPI document (new routes are covered without
 * touching this file). For every generated request: no 5xx; every error is the one envelope with the status of
 * its code; a rejected request creates (or removes) nothing; credentials are checked before the request's fields,
 * ids or rights are judged. Afterwards: no prototype was polluted, the service is ready and still renders a job.
 */

/** Runs per route with a valid token, and with none or a bad one (where every request should meet a 401). */
const AUTHENTICATED_RUNS = 30;
const UNAUTHENTICATED_RUNS = 10;

// ---------------------------------------------------------------- the wire

interface Sent {
  method: string;
  /** Exactly what goes on the request line: hostile paths must reach the server unnormalised. */
  path: string;
  headers: Record<string, string>;
  body?: Buffer;
}

interface Answer {
  status: number;
  headers: IncomingHttpHeaders;
  text: string;
  json: unknown;
}

const parseJson = (text: string): unknown => {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
};

/** Raw node:http (supertest resolves `..` segments and refuses some paths): one connection per request. */
function send(baseUrl: string, req: Sent, timeoutMs = 15_000): Promise<Answer> {
  const base = new URL(baseUrl);
  return new Promise((resolve, reject) => {
    const headers = { ...req.headers, ...(req.body ? { 'Content-Length': String(req.body.length) } : {}) };
    const outgoing = httpRequest({ host: base.hostname, port: base.port, method: req.method, path: req.path, headers, agent: false });
    let answered = false;
    outgoing.setTimeout(timeoutMs, () => outgoing.destroy(new Error(`no answer within ${timeoutMs} ms`)));
    outgoing.on('response', (res) => {
      answered = true;
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        resolve({ status: res.statusCode ?? 0, headers: res.headers, text, json: parseJson(text) });
      });
      res.on('error', reject);
    });
    // A server may answer (413, 415) and close before the whole body is written: its answer is what counts.
    outgoing.on('error', (error) => (answered ? undefined : reject(new Error(`no answer: ${error.message}`))));
    outgoing.end(req.body);
  });
}

/** Percent-encodes UTF-8 bytes (lone surrogates become U+FFFD, as any client would send them). */
const encodeBytes = (value: string, keep = /[A-Za-z0-9._~-]/) =>
  [...Buffer.from(value, 'utf8')].map((b) => (keep.test(String.fromCharCode(b)) && b < 0x80 ? String.fromCharCode(b) : `%${b.toString(16).toUpperCase().padStart(2, '0')}`)).join('');

/** A header value node:http will put on the wire: UTF-8 bytes as latin1, without control characters. */
const headerSafe = (value: string) => Buffer.from(value, 'utf8').toString('latin1').replace(/[\u0000-\u0008\u000a-\u001f\u007f]/g, '?');

// ---------------------------------------------------------------- the routes, from the OpenAPI document

interface Schema {
  $ref?: string;
  type?: string;
  enum?: unknown[];
  example?: unknown;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  minItems?: number;
}

interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header';
}

interface Operation {
  method: string;
  template: string;
  parameters: Parameter[];
  bodyType?: 'json' | 'multipart';
  bodySchema?: Schema;
  secured: boolean;
  /** Answers text/event-stream: a real resource would keep the connection open. */
  streams: boolean;
}

interface OpenApiOperation {
  parameters?: Parameter[];
  requestBody?: { content: Record<string, { schema: Schema }> };
  security?: unknown[];
  responses?: Record<string, { content?: Record<string, unknown> }>;
}

function operationsOf(document: { paths: Record<string, Record<string, OpenApiOperation>> }): Operation[] {
  return Object.entries(document.paths).flatMap(([template, methods]) =>
    Object.entries(methods).map(([method, op]) => {
      const content = op.requestBody?.content ?? {};
      return {
        method: method.toUpperCase(),
        template,
        parameters: op.parameters ?? [],
        bodyType: content['application/json'] ? ('json' as const) : content['multipart/form-data'] ? ('multipart' as const) : undefined,
        bodySchema: (content['application/json'] ?? content['multipart/form-data'])?.schema,
        secured: (op.security ?? []).length > 0,
        streams: Object.values(op.responses ?? {}).some((r) => Object.keys(r.content ?? {}).includes('text/event-stream')),
      };
    }),
  );
}

/** A copy whose objects are this realm's plain objects (structuredClone's would print as [object Object]). */
const clone = <T>(value: T): T => JSON.parse(JSON.stringify(value)) as T;

/** A valid body from the schema: required fields (enums at their first value, so any render is a cheap one). */
function exampleOf(schema: Schema, schemas: Record<string, Schema>): unknown {
  const s = schema.$ref ? schemas[schema.$ref.split('/').pop()!] : schema;
  if (s.enum) return s.enum[0];
  if (s.example !== undefined) return clone(s.example);
  if (s.type === 'array') return Array.from({ length: Math.max(1, s.minItems ?? 1) }, () => exampleOf(s.items ?? {}, schemas));
  if (s.type === 'boolean') return false;
  if (s.type === 'number' || s.type === 'integer') return 1;
  if (s.type === 'string') return 'text';
  const out: Record<string, unknown> = {};
  for (const [name, property] of Object.entries(s.properties ?? {})) {
    const p = property.$ref ? schemas[property.$ref.split('/').pop()!] : property;
    if (s.required?.includes(name) || p.enum) out[name] = exampleOf(property, schemas);
  }
  return out;
}

type Path = Array<string | number>;

/** Every path to a value inside `value`, the root excluded. */
function pathsIn(value: unknown, prefix: Path = []): Path[] {
  if (typeof value !== 'object' || value === null) return [];
  return Object.entries(value).flatMap(([k, v]) => {
    const path = [...prefix, Array.isArray(value) ? Number(k) : k];
    return [path, ...pathsIn(v, path)];
  });
}

const objectPathsIn = (value: unknown): Path[] =>
  [[], ...pathsIn(value)].filter((p) => {
    const v = at(value, p);
    return typeof v === 'object' && v !== null && !Array.isArray(v);
  });

/** Sets an own property even for "__proto__" (a plain assignment would set the prototype instead). */
function defineKey(target: object, key: string | number, value: unknown): void {
  Object.defineProperty(target, key, { value, enumerable: true, writable: true, configurable: true });
}

const at = (root: unknown, path: Path) => path.reduce<unknown>((node, key) => (node as Record<string, unknown>)[key], root) as Record<string | number, unknown>;

/** A copy of `base` with `change` applied to the object at `path`. */
function edit(base: unknown, path: Path, change: (target: Record<string | number, unknown>) => void): unknown {
  const copy = clone(base);
  change(at(copy, path));
  return copy;
}

// ---------------------------------------------------------------- hostile values

/** Values too big to print in a counterexample print as a short description (fast-check's toStringMethod). */
class Huge {
  constructor(
    readonly unit: string,
    readonly count: number,
  ) {}
  toJSON(): string {
    return this.unit.repeat(this.count);
  }
  [fc.toStringMethod](): string {
    return `Huge(${JSON.stringify(this.unit)} x ${this.count})`;
  }
}

class Deep {
  constructor(
    readonly depth: number,
    readonly kind: 'object' | 'array',
  ) {}
  /** Built as text: JSON.stringify recurses and overflows the stack long before 5,000 levels. */
  text(): string {
    const [open, close] = this.kind === 'object' ? ['{"a":', '}'] : ['[', ']'];
    return open.repeat(this.depth - 1) + (this.kind === 'object' ? '{}' : '[]') + close.repeat(this.depth - 1);
  }
  [fc.toStringMethod](): string {
    return `Deep(${this.kind}, ${this.depth})`;
  }
}

class Bytes {
  constructor(
    readonly label: string,
    readonly bytes: Buffer,
  ) {}
  [fc.toStringMethod](): string {
    return `Bytes(${this.label}, ${this.bytes.length})`;
  }
}

const POLLUTION = { isAdmin: true, is_admin: true, adminOnly: false, polluted: 'yes' };
const protoKeyed = () => {
  const value = {};
  defineKey(value, '__proto__', { ...POLLUTION });
  return value;
};

const UUID = '3f2c9a4e-8b7d-4c1a-9e6f-2d5b8a7c1e04';
const trickyStrings = fc.constantFrom(
  '',
  ' ',
  '\u0000',
  'a\u0000b',
  '\uD800',
  '\uDFFF',
  'x\uD83D',
  '\u202Egpj.exe',
  'مرحبا بالعالم',
  'שלום \u200F עולם',
  '𝕳𝖊𝖑𝖑𝖔 😀 \u{10FFFF}',
  'e\u0301\u0301\u0301',
  '\uFEFF',
  '\r\n\t',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '%2e%2e%2f',
  '%00',
  '${jndi:ldap://127.0.0.1/a}',
  "'; DROP TABLE jobs; --",
  '<script>alert(1)</script>',
  '__proto__',
  'constructor',
  'prototype',
  'toString',
  'null',
  'undefined',
  'NaN',
  '-1',
  '1e309',
  '0x10',
  'true',
  '[]',
  '{}',
  UUID,
  UUID.toUpperCase(),
  'https://127.0.0.1:1/hook',
  'https://localhost/hook',
  'http://[::1]/hook',
  'file:///etc/passwd',
  'javascript:alert(1)',
  '2026-13-45T25:61:61Z',
  '-created_at,created_at',
);
const hostileString = fc.oneof(
  { weight: 4, arbitrary: trickyStrings },
  { weight: 2, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: 'grapheme', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: fc.integer({ min: 0xd800, max: 0xdfff }).map((c) => String.fromCharCode(c)), maxLength: 4 }) },
);
/** Past the field limits (500, 2,000), just under the 100 kB body limit (in ASCII), and far past it. */
const hugeString = fc
  .tuple(fc.constantFrom('x', 'é', '😀', '\u0000', '\u202E'), fc.constantFrom(600, 2_100, 99_000, 1_100_000))
  .map(([unit, count]) => new Huge(unit, count));
const scalar = fc.oneof(
  { weight: 6, arbitrary: hostileString },
  { weight: 2, arbitrary: fc.constantFrom<unknown>(0, -1, -0, 0.5, 1e308, -1e308, 2 ** 53 + 2, true, false, null) },
  { weight: 1, arbitrary: fc.integer() },
  { weight: 1, arbitrary: fc.double({ noNaN: true }) },
);
const hostileKey = fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', 'hasOwnProperty', 'toJSON', ''), hostileString);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 6, arbitrary: scalar },
  { weight: 1, arbitrary: fc.array(scalar, { maxLength: 3 }) },
  { weight: 1, arbitrary: fc.constantFrom('__proto__', 'constructor', 'prototype').map((k) => (k === '__proto__' ? protoKeyed() : { [k]: { prototype: { ...POLLUTION } } })) },
  { weight: 1, arbitrary: fc.tuple(fc.integer({ min: 28, max: 36 }), fc.constantFrom<'object' | 'array'>('object', 'array')).map(([d, k]) => new Deep(d, k)) },
  { weight: 1, arbitrary: fc.constantFrom(new Deep(5000, 'object'), new Deep(5000, 'array')) },
  { weight: 1, arbitrary: hugeString },
  { weight: 1, arbitrary: fc.array(fc.tuple(hostileKey, scalar), { maxLength: 3 }).map((entries) => {
      const object = {};
      for (const [k, v] of entries) defineKey(object, k, v);
      return object;
    }) },
);

const RAW_JSON_TEXTS = [
  '',
  'null',
  '"a string"',
  '123',
  '[]',
  '{}',
  '{',
  '{"a":}',
  '{"a":1}garbage',
  '\uFEFF{}',
  'NaN',
  "{'single':'quotes'}",
  '{"a":"\\ud800"}',
  '{"a":"\\u0000"}',
  '{"a":1e999999}',
  '{"a":123456789012345678901234567890}',
  '{"__proto__":{"isAdmin":true,"is_admin":true,"polluted":"yes"}}',
  '{"constructor":{"prototype":{"isAdmin":true,"polluted":"yes"}}}',
  '[' + '['.repeat(4999) + ']'.repeat(5000),
];

interface Body {
  contentType?: string;
  encoding?: string;
  /** Serialised at send time, so a counterexample prints the value (huge ones shortened), not its bytes. */
  json?: unknown;
  raw?: Bytes;
}

/** JSON text of a generated value, Deep values spliced in as text. */
function jsonText(value: unknown): Buffer {
  const deep: Deep[] = [];
  const text = JSON.stringify(value, (_key, v: unknown) => (v instanceof Deep ? `\u0000deep${deep.push(v) - 1}\u0000` : v)) ?? '';
  return Buffer.from(text.replace(/"\\u0000deep(\d+)\\u0000"/g, (_m, i: string) => deep[Number(i)].text()), 'utf8');
}
const rawText = (text: string) => new Bytes(JSON.stringify(text.slice(0, 60)), Buffer.from(text, 'utf8'));

/** A JSON route's body: the valid example bent one way, raw JSON texts, or the right body dressed wrong. */
function jsonBodies(base: unknown): fc.Arbitrary<Body> {
  const paths = pathsIn(base);
  const objects = objectPathsIn(base);
  const mutated = fc.oneof(
    // one field replaced, one key added (hostile name and value), one field removed, or another body altogether
    paths.length ? fc.tuple(fc.constantFrom(...paths), hostileValue).map(([p, v]) => edit(base, p.slice(0, -1), (parent) => defineKey(parent, p[p.length - 1], v))) : hostileValue,
    fc.tuple(fc.constantFrom(...objects), hostileKey, hostileValue).map(([p, k, v]) => edit(base, p, (target) => defineKey(target, k, v))),
    paths.length ? fc.constantFrom(...paths).map((p) => edit(base, p.slice(0, -1), (parent) => delete parent[p[p.length - 1]])) : hostileValue,
    hostileValue,
  );
  const wellFormed = JSON.stringify(base);
  return fc.oneof(
    { weight: 6, arbitrary: mutated.map((json) => ({ contentType: 'application/json', json })) },
    { weight: 2, arbitrary: fc.constantFrom(...RAW_JSON_TEXTS, wellFormed.replace('{', '{"x":1,"x":{"y":2},')).map((t) => ({ contentType: 'application/json', raw: rawText(t) })) },
    {
      weight: 2,
      arbitrary: fc
        .constantFrom(
          'text/plain',
          'application/x-www-form-urlencoded',
          'multipart/form-data; boundary=zzz',
          'application/json; charset=utf-16',
          'application/json; charset=latin1',
          'application/merge-patch+json',
          'APPLICATION/JSON',
          'application/json;;;',
          '*/*',
          '',
        )
        .map((contentType) => ({ contentType, raw: rawText(wellFormed) })),
    },
    {
      weight: 1,
      arbitrary: fc.constantFrom(
        { contentType: 'application/json', encoding: 'gzip', raw: rawText(wellFormed) },
        { contentType: 'application/json', encoding: 'gzip', raw: new Bytes('truncated gzip', gzipSync(Buffer.from(wellFormed)).subarray(0, 12)) },
        { contentType: 'application/json', encoding: 'gzip', raw: new Bytes('valid gzip', gzipSync(Buffer.from(wellFormed))) },
        { contentType: 'application/json', encoding: 'deflate', raw: rawText('not deflated') },
        { contentType: 'application/json', encoding: 'br', raw: rawText(wellFormed) },
        { contentType: 'application/json', encoding: 'x-bogus', raw: rawText(wellFormed) },
        { contentType: 'application/json', encoding: 'gzip', raw: new Bytes('gzip bomb: 2 MB string', gzipSync(Buffer.from('"' + 'x'.repeat(2_000_000) + '"'))) },
      ),
    },
  );
}

const PNG_SIGNATURE = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
const OVERSIZED = new Bytes('21 MiB of text', Buffer.alloc(21 * 1024 * 1024, 'a'));
const fileContents = fc.oneof(
  fc.constantFrom(
    new Bytes('empty', Buffer.alloc(0)),
    new Bytes('PNG signature then junk', Buffer.concat([PNG_SIGNATURE, Buffer.from('IHDR junk')])),
    new Bytes('RIFF junk', Buffer.from('RIFF\u0000\u0000\u0000\u0000WAVEjunk')),
    new Bytes('ID3 junk', Buffer.from('ID3\u0004\u0000junk')),
    new Bytes('OggS junk', Buffer.from('OggS\u0000junk')),
    new Bytes('invalid UTF-8', Buffer.from([0x48, 0xc3, 0x28, 0xff, 0xfe, 0x0a])),
    new Bytes('text with NUL', Buffer.from('Bees make wax.\u0000\n')),
    new Bytes('UTF-16 text', Buffer.from('\uFEFFBees make wax.', 'utf16le')),
    new Bytes('ELF', Buffer.from('\u007fELF\u0002\u0001\u0001')),
    OVERSIZED,
  ),
  hostileString.map((s) => new Bytes(`text ${JSON.stringify(s)}`, Buffer.from(s, 'utf8'))),
);
const multipartPart: fc.Arbitrary<Part> = fc.record({
  name: fc.constantFrom('file', 'file', 'picture', '__proto__', '', 'file[]', 'fi"le'),
  filename: fc.option(fc.oneof(fc.constantFrom('notes.txt', '../../etc/passwd', '..\\..\\boot.ini', 'ノート.md', '\u202Egpj.txt', 'a\u0000.png', 'x'.repeat(1000) + '.md', ''), hostileString), { nil: undefined }),
  contentType: fc.option(fc.constantFrom('image/png', 'text/plain', 'application/octet-stream', 'audio/wav', 'text/html', 'application/json'), { nil: undefined }),
  content: fileContents,
});

interface Part {
  name: string;
  filename?: string;
  contentType?: string;
  content: Bytes;
}

function multipartBytes(parts: Part[], boundary: string): Buffer {
  const chunks = parts.flatMap((part) => {
    const disposition = `form-data; name="${part.name}"${part.filename === undefined ? '' : `; filename="${part.filename}"`}`;
    const head = `--${boundary}\r\nContent-Disposition: ${disposition}\r\n${part.contentType ? `Content-Type: ${part.contentType}\r\n` : ''}\r\n`;
    return [Buffer.from(head, 'utf8'), part.content.bytes, Buffer.from('\r\n')];
  });
  return Buffer.concat([...chunks, Buffer.from(`--${boundary}--\r\n`)]);
}

/** The upload route's body: well-formed multipart with hostile parts, or broken framing. */
const multipartBodies: fc.Arbitrary<Body> = fc.oneof(
  { weight: 5, arbitrary: fc.array(multipartPart, { maxLength: 3 }).map((parts) => ({ contentType: 'multipart/form-data; boundary=b0undary', raw: new Bytes(`multipart ${parts.map((p) => `${p.name}:${p.content.label}`).join(', ')}`, multipartBytes(parts, 'b0undary')) })) },
  { weight: 1, arbitrary: fc.tuple(multipartPart, fc.integer({ min: 1, max: 200 })).map(([part, cut]) => ({ contentType: 'multipart/form-data; boundary=b0undary', raw: new Bytes(`truncated at ${cut}`, multipartBytes([part], 'b0undary').subarray(0, cut)) })) },
  { weight: 1, arbitrary: multipartPart.map((part) => ({ contentType: 'multipart/form-data; boundary=other', raw: new Bytes('wrong boundary', multipartBytes([part], 'b0undary')) })) },
  { weight: 1, arbitrary: multipartPart.map((part) => ({ contentType: 'multipart/form-data', raw: new Bytes('no boundary', multipartBytes([part], 'b0undary')) })) },
  {
    weight: 1,
    arbitrary: fc.constant({
      contentType: 'multipart/form-data; boundary=b0undary',
      raw: new Bytes('six fields', multipartBytes(Array.from({ length: 6 }, (_, i) => ({ name: `f${i}`, content: new Bytes('t', Buffer.from('t')) })), 'b0undary')),
    }),
  },
  { weight: 1, arbitrary: fc.constantFrom('application/json', 'text/plain', '').map((contentType) => ({ contentType, raw: rawText('{"file":"x"}') })) },
);

// ---------------------------------------------------------------- requests

type AuthMode = 'user' | 'none' | 'garbage-bearer' | 'foreign-issuer' | 'expired' | 'basic' | 'bad-api-key' | 'empty-bearer';
const BAD_CREDENTIALS = fc.constantFrom<AuthMode>('none', 'garbage-bearer', 'foreign-issuer', 'expired', 'basic', 'bad-api-key', 'empty-bearer');

const HOSTILE_IDS = [
  '..',
  '.',
  '%2e%2e',
  '%2E%2E%2F%2E%2E%2Fetc%2Fpasswd',
  '../../etc/passwd',
  '..%2f..%2f',
  '%2F',
  'a%2Fb',
  '..%5C..%5C',
  '%00',
  'a%00b',
  '%zz',
  '%',
  '%E0%A4%A',
  '%C0%AE%C0%AE',
  '%252e%252e',
  '%ED%A0%80',
  '%F0%9F%98%80',
  '%E2%80%AE',
  'null',
  '0',
  '-1',
  '1e999',
  '__proto__',
  'constructor',
  'prototype',
  '00000000-0000-0000-0000-000000000000',
  `${UUID}%00`,
  `${UUID}%2F..`,
  `${UUID}/..`,
  `{${UUID}}`,
  'x'.repeat(4000),
];

interface Generated {
  auth: AuthMode;
  pathValues: string[];
  query: string;
  headers: Array<[string, string]>;
  body?: Body;
}

const queryValue = fc.oneof(
  { weight: 1, arbitrary: fc.constant(['']) },
  { weight: 4, arbitrary: hostileString.map((s) => [s]) },
  { weight: 2, arbitrary: fc.array(hostileString, { minLength: 2, maxLength: 3 }) },
  { weight: 2, arbitrary: fc.constantFrom(['1'], ['0'], ['100'], ['101'], ['1.5'], ['-created_at'], ['completed'], ['99999999999999999999999']) },
  { weight: 1, arbitrary: fc.constant(['x'.repeat(6000)]) },
);
const extraQueryKey = fc.constantFrom('__proto__', 'constructor', 'prototype', '__proto__[isAdmin]', 'constructor[prototype][isAdmin]', 'page[]', 'a[b][c]', '', '%00', 'toString', 'hasOwnProperty', 'user_id', 'is_admin');

function queryFor(op: Operation): fc.Arbitrary<string> {
  const declared = op.parameters.filter((p) => p.in === 'query').map((p) => p.name);
  return fc
    .tuple(
      fc.tuple(...declared.map(() => fc.option(queryValue, { nil: undefined, freq: 2 }))),
      fc.array(fc.tuple(extraQueryKey, queryValue), { maxLength: 2 }),
      fc.constantFrom('', '', '', '&&&', '&=', '&%zz=1', '&a=%E0%A4%A', '?x=1'),
    )
    .map(([values, extras, tail]) => {
      const pairs = [...declared.map((name, i) => [name, values[i]] as const), ...extras].flatMap(([name, vs]) =>
        vs === undefined ? [] : vs.map((v) => `${encodeBytes(name, /[A-Za-z0-9._~\-[\]]/)}=${encodeBytes(v)}`),
      );
      // Node itself answers 431 (no envelope) past 16 KiB of headers: stay under it, this suite is about the app.
      let length = 0;
      const query = pairs.filter((pair) => (length += pair.length + 1) < 12_000).join('&') + tail;
      return query ? `?${query}` : '';
    });
}

function requestsFor(op: Operation, auth: fc.Arbitrary<AuthMode>, realIds: Record<string, string>, schemas: Record<string, Schema>): fc.Arbitrary<Generated> {
  const pathNames = [...op.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
  // A real id reaches the handler behind the id check; never for deletes (that would be a valid request) or streams.
  const useReal = op.method !== 'DELETE' && !op.streams;
  const pathValue = (name: string) =>
    fc.oneof(
      { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_IDS) },
      { weight: 2, arbitrary: hostileString.map((s) => encodeBytes(s)) },
      { weight: useReal && realIds[name] ? 2 : 0, arbitrary: fc.constant(realIds[name] ?? '') },
    );
  const headerParams = op.parameters.filter((p) => p.in === 'header').map((p) => p.name);
  const headerValue = fc.oneof(
    fc.constantFrom('bytes=0-0', 'bytes=-1', 'bytes=99999999999999999999-', 'bytes=5-1', 'bytes=0-1,2-3,4-5', 'bytes=abc', 'items=0-1', 'bytes=0-', '', 'bytes=-0', 'bytes=1e3-2e3', 'bytes=' + '0-1,'.repeat(500)),
    hostileString.map(headerSafe),
  );
  const body: fc.Arbitrary<Body | undefined> =
    op.bodyType === 'json'
      ? jsonBodies(exampleOf(op.bodySchema!, schemas))
      : op.bodyType === 'multipart'
        ? multipartBodies
        : fc.option(jsonBodies({ note: 'a body this route does not take' }), { nil: undefined, freq: 3 });
  return fc.record({
    auth,
    pathValues: fc.tuple(...pathNames.map(pathValue)),
    query: queryFor(op),
    headers: fc.tuple(
      ...headerParams.map((name) => fc.option(headerValue.map((v): [string, string] => [name, v]), { nil: undefined })),
      fc.option(hostileString.map((v): [string, string] => ['X-Request-Id', headerSafe(v)]), { nil: undefined, freq: 4 }),
    ).map((hs) => hs.filter((h): h is [string, string] => h !== undefined)),
    body,
  });
}

// ---------------------------------------------------------------- what every answer must be

const ENVELOPE_KEYS = ['details', 'error_code', 'message', 'path', 'request_id', 'timestamp'];

/** The one error envelope, with the status its code stands for; null when it is. */
function envelopeProblem(sent: Sent, answer: Answer): string | null {
  if (!String(answer.headers['content-type']).startsWith('application/json')) return `content-type ${answer.headers['content-type']}`;
  const body = answer.json as { error?: Record<string, unknown> } | undefined;
  if (typeof body !== 'object' || body === null || Object.keys(body).join() !== 'error') return 'not { error }';
  const e = body.error ?? {};
  if (Object.keys(e).sort().join() !== ENVELOPE_KEYS.join()) return `error keys ${Object.keys(e).join()}`;
  if (typeof e.message !== 'string' || e.message.length === 0) return 'no message';
  const expected = ERROR_CODES[e.error_code as keyof typeof ERROR_CODES];
  if (expected !== answer.status) return `error_code ${String(e.error_code)} with status ${answer.status}`;
  if (typeof e.details !== 'object' || e.details === null || Array.isArray(e.details)) return 'details not an object';
  if (typeof e.timestamp !== 'string' || Number.isNaN(Date.parse(e.timestamp))) return 'bad timestamp';
  if (e.path !== sent.path.split('?')[0]) return `path ${JSON.stringify(e.path)}`;
  if (typeof e.request_id !== 'string' || e.request_id !== answer.headers['x-request-id']) return 'request_id differs from X-Request-Id';
  return null;
}

/** Rejections that happen before authentication because they concern the body's framing, not its content. */
function isFramingRejection(answer: Answer): boolean {
  const e = (answer.json as { error?: { error_code?: string; details?: { fields?: unknown } } })?.error;
  return [413, 415].includes(answer.status) || (answer.status === 422 && e?.error_code === 'VALIDATION_ERROR' && e.details?.fields === undefined);
}

interface Snapshot {
  jobs: number;
  batches: number;
  uploads: number;
  configurations: number;
  preferences: string;
}

describe('property: hostile input on every route', () => {
  let ctx: TestContext;
  let operations: Operation[];
  let schemas: Record<string, Schema>;
  let authHeaders: Record<AuthMode, Record<string, string>>;
  const realIds: Record<string, string> = {};
  const user = 'user_property';

  const asUser = () => ({ Authorization: `Bearer ${ctx.tokenFor(user)}` });

  async function snapshot(): Promise<Snapshot> {
    const get = async (path: string) => {
      const answer = await send(ctx.url, { method: 'GET', path, headers: asUser() });
      if (answer.status !== 200) throw new Error(`${path} answered ${answer.status}: ${answer.text.slice(0, 300)}`);
      return answer.json as Record<string, unknown>;
    };
    const [jobs, batches, uploads, configurations, preferences] = await Promise.all(
      ['/api/v1/jobs', '/api/v1/batches', '/api/v1/uploads', '/api/v1/configurations', '/api/v1/users/me/preferences'].map(get),
    );
    return {
      jobs: jobs.total_count as number,
      batches: batches.total_count as number,
      uploads: uploads.total_count as number,
      configurations: configurations.total_count as number,
      preferences: JSON.stringify(preferences),
    };
  }

  beforeAll(async () => {
    ctx = await startTestApp({ APP_ROLE: 'all', RATE_LIMIT_PER_MINUTE: '1000000', AUTH_FAILURES_PER_MINUTE: '1000000' });
    const document = (await ctx.http().get('/openapi.json')).body;
    operations = operationsOf(document);
    schemas = document.components.schemas;
    const stranger = new TestIssuer();
    authHeaders = {
      user: asUser(),
      none: {},
      'garbage-bearer': { Authorization: 'Bearer not.a.token' },
      'foreign-issuer': { Authorization: `Bearer ${stranger.token({ sub: user, azp: AZP })}` },
      expired: { Authorization: `Bearer ${ctx.issuer.token({ sub: user, azp: AZP }, { issuedAt: Math.floor(Date.now() / 1000) - 7200, expiresInSeconds: 60 })}` },
      basic: { Authorization: 'Basic dXNlcjpwYXNz' },
      'bad-api-key': { 'X-API-Key': 'vgs_not_a_key' },
      'empty-bearer': { Authorization: 'Bearer ' },
    };

    // Real resources, so that hostile queries, headers and bodies also reach handlers behind the id checks.
    const auth = asUser();
    const upload = await ctx.http().post('/api/v1/uploads/content').set(auth).attach('file', Buffer.from('Bees make wax.\n'), { filename: 'bees.txt' });
    const configuration = await ctx.http().post('/api/v1/configurations').set(auth).send({ name: 'Fixture', settings: { quality: 'low' } });
    const batch = await ctx.http().post('/api/v1/videos/batch').set(auth).send({ name: 'Fixture', jobs: [{ topic: 'Wax', context: 'Bees make wax.', quality: 'low' }] });
    expect([upload.status, configuration.status, batch.status]).toEqual([201, 201, 201]);
    Object.assign(realIds, {
      file_id: upload.body.file_id,
      configuration_id: configuration.body.configuration_id,
      batch_id: batch.body.batch_id,
      job_id: batch.body.jobs[0].job_id,
    });
    await waitForJob(ctx, ctx.tokenFor(user), realIds.job_id, (j) => j.status === 'completed');
  });
  afterAll(() => ctx?.close());

  test('the OpenAPI document lists the routes this suite walks', () => {
    expect(operations.length).toBeGreaterThanOrEqual(30);
    expect(operations.filter((op) => op.bodyType === 'json').length).toBeGreaterThanOrEqual(4);
    expect(operations.some((op) => op.bodyType === 'multipart')).toBe(true);
  });

  /** Issues one generated request and checks the properties every answer must have. */
  async function check(op: Operation, generated: Generated, before: Snapshot): Promise<Snapshot> {
    let path = op.template;
    const names = [...op.template.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
    names.forEach((name, i) => (path = path.replace(`{${name}}`, () => generated.pathValues[i])));
    const headers: Record<string, string> = { ...authHeaders[generated.auth] };
    for (const [name, value] of generated.headers) headers[name] = value;
    const body = generated.body;
    if (body?.contentType) headers['Content-Type'] = body.contentType;
    if (body?.encoding) headers['Content-Encoding'] = body.encoding;
    const sent: Sent = { method: op.method, path: path + generated.query, headers, body: body ? (body.raw?.bytes ?? jsonText(body.json)) : undefined };
    const answer = await send(ctx.url, sent);
    const said = `${op.method} ${sent.path.slice(0, 300)} answered ${answer.status}: ${answer.text.slice(0, 400)}`;

    if (answer.status >= 500) throw new Error(`5xx: ${said}`);
    if (answer.status >= 400) {
      const problem = envelopeProblem(sent, answer);
      if (problem) throw new Error(`not the envelope (${problem}): ${said}`);
    }
    const authenticated = generated.auth === 'user';
    if (op.secured && !authenticated) {
      // Credentials come first: nothing about the request is judged (fields, ids, rights) before them.
      const segments = path.split('/');
      const matchesTemplate = segments.length === op.template.split('/').length && segments.slice(1).every(Boolean);
      const allowed = answer.status === 401 || isFramingRejection(answer) || (!matchesTemplate && answer.status === 404);
      if (!allowed) throw new Error(`unauthenticated request not refused with 401: ${said}`);
    }
    if (authenticated && answer.status === 401) throw new Error(`valid token refused: ${said}`);

    if (answer.status >= 200 && answer.status < 300) {
      // Accepted (e.g. unicode that is valid): remove what was created so renders do not pile up.
      const location = answer.headers.location;
      if (op.method === 'POST' && answer.status === 201 && location) {
        const removed = await send(ctx.url, { method: 'DELETE', path: location, headers: asUser() });
        if (removed.status !== 204) throw new Error(`could not remove ${location} (${removed.status}) after ${said}`);
      }
      return op.method === 'GET' ? before : snapshot();
    }
    if (op.method !== 'GET') {
      const after = await snapshot();
      if (JSON.stringify(after) !== JSON.stringify(before)) {
        throw new Error(`rejected, yet state changed from ${JSON.stringify(before)} to ${JSON.stringify(after)}: ${said}`);
      }
    }
    return before;
  }

  test('every route: no 5xx, the one envelope, credentials first, nothing created on rejection', async () => {
    const failures: string[] = [];
    for (const op of operations) {
      for (const [auth, numRuns] of [[fc.constant<AuthMode>('user'), AUTHENTICATED_RUNS], [BAD_CREDENTIALS, UNAUTHENTICATED_RUNS]] as const) {
        let state = await snapshot();
        try {
          await fc.assert(
            fc.asyncProperty(requestsFor(op, auth, realIds, schemas), async (generated) => {
              state = await check(op, generated, state);
            }),
            { numRuns },
          );
        } catch (error) {
          // fast-check keeps the property's own error as the cause.
          const cause = (error as Error).cause instanceof Error ? ((error as Error).cause as Error).message : '';
          failures.push(`${op.method} ${op.template}\n${(error as Error).message}\n${cause}`);
        }
      }
    }
    expect(failures).toEqual([]);
    // Reads, too, created nothing.
    const after = await snapshot();
    expect(after).toEqual(expect.objectContaining({ jobs: 1, batches: 1, uploads: 1, configurations: 1 }));
  });

  test('a body that does not decompress as its Content-Encoding says is a 422 in the envelope, not a 500', async () => {
    const body = Buffer.from('{"topic":"Wax","context":"Bees make wax."}');
    const cases: Array<[string, Buffer]> = [['gzip', body], ['gzip', gzipSync(body).subarray(0, 12)], ['deflate', body], ['br', body]];
    for (const [encoding, bytes] of cases) {
      const sent = { method: 'POST', path: '/api/v1/videos/generate', headers: { ...asUser(), 'Content-Type': 'application/json', 'Content-Encoding': encoding }, body: bytes };
      const answer = await send(ctx.url, sent);
      expect([encoding, answer.status, envelopeProblem(sent, answer)]).toEqual([encoding, 422, null]);
    }
  });

  test('__proto__ and constructor.prototype in every JSON write are refused (422 naming the key) and pollute nothing', async () => {
    const auth = asUser();
    for (const key of ['__proto__', 'constructor'] as const) {
      for (const op of operations.filter((o) => o.bodyType === 'json')) {
        const path = op.template.replace(/\{(\w+)\}/g, (_m, name: string) => realIds[name]);
        const body = clone(exampleOf(op.bodySchema!, schemas)) as object;
        defineKey(body, key, key === '__proto__' ? { ...POLLUTION } : { prototype: { ...POLLUTION } });
        const sent = { method: op.method, path, headers: { ...auth, 'Content-Type': 'application/json' }, body: jsonText(body) };
        const answer = await send(ctx.url, sent);
        expect([op.method, op.template, answer.status, envelopeProblem(sent, answer)]).toEqual([op.method, op.template, 422, null]);
        expect(JSON.parse(answer.text).error.details.fields).toEqual([{ field: key, errors: [`"${key}" is not an allowed key`] }]);
      }
    }
    // Free-form objects (custom_config) too, at any depth, named by their path.
    const configuration = await ctx
      .http()
      .post('/api/v1/configurations')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ name: 'Polluting', settings: { quality: 'low', custom_config: { scenes: [{ title: 'x', constructor: { prototype: { ...POLLUTION } } }] } } }));
    expect([configuration.status, configuration.body.error.details.fields[0].field]).toEqual([422, 'settings.custom_config.scenes[0].constructor']);
    const generate = await ctx
      .http()
      .post('/api/v1/videos/generate')
      .set(auth)
      .set('Content-Type', 'application/json')
      .send(JSON.stringify({ topic: 'Wax', context: 'Bees make wax.', quality: 'low', custom_config: protoKeyed() }));
    expect([generate.status, generate.body.error.details.fields[0].field]).toEqual([422, 'custom_config.__proto__']);

    // startTestApp boots the app inside this test's realm, so its object literals share this Object.prototype.
    expect(Object.keys(POLLUTION).filter((key) => key in {})).toEqual([]);
    // And the app behaves as for any user: not an admin, refused on an operator route, new records plain.
    const me = await ctx.http().get('/api/v1/users/me').set(auth);
    expect([me.status, me.body.is_admin]).toEqual([200, false]);
    const adminOnly = await ctx.http().get('/api/v1/system/queue-status').set(auth);
    expect([adminOnly.status, adminOnly.body.error?.error_code]).toEqual([403, 'FORBIDDEN']);
    const fresh = await ctx.http().post('/api/v1/configurations').set(auth).send({ name: 'After pollution attempts', settings: {} });
    expect(fresh.status).toBe(201);
    expect(Object.keys(fresh.body.settings)).toEqual([]);
  });

  test('afterwards the service is ready, the fixtures are intact, and a valid job still completes', async () => {
    const ready = await ctx.http().get('/health/ready');
    expect(ready.status).toBe(200);
    const auth = asUser();
    for (const path of [`/api/v1/jobs/${realIds.job_id}`, `/api/v1/batches/${realIds.batch_id}`, `/api/v1/uploads/${realIds.file_id}`, `/api/v1/configurations/${realIds.configuration_id}`]) {
      expect([path, (await ctx.http().get(path).set(auth)).status]).toEqual([path, 200]);
    }
    const created = await ctx.http().post('/api/v1/videos/generate').set(auth).send({ topic: 'After the storm', context: 'The service still renders.', quality: 'low' });
    expect(created.status).toBe(201);
    const done = await waitForJob(ctx, ctx.tokenFor(user), created.body.job_id, isTerminal);
    expect(done.status).toBe('completed');
  });
});
