import { GetObjectCommand, ListObjectsV2Command, S3Client } from '@aws-sdk/client-s3';
import { ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { killWithThisProcess } from './orphan-guard';
import { freePort } from './redis-server';

// The SDK's notice that its 2027 releases drop Node 20 says nothing about a test: keep it out of the output.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

/** s3rver checks real SigV4 signatures, against these fixed credentials. */
const ACCESS_KEY = 'S3RVER';

/**
 * Runs s3rver (an S3-compatible server from the npm registry: multipart uploads, ranged GETs, presigned URLs,
 * real signature checks) in its own process, and reports each object it stores or deletes on stdout.
 */
const SERVER_SCRIPT = `
const S3rver = require(process.argv[1]);
const [, , host, port, directory, bucket] = process.argv;
const server = new S3rver({ address: host, port: Number(port), directory, silent: true, configureBuckets: [{ name: bucket, configs: [] }] });
server.on('event', (event) => {
  for (const record of event.Records) console.log(JSON.stringify({ event: record.eventName, key: decodeURIComponent(record.s3.object.key) }));
});
server.run().then(() => console.log(JSON.stringify({ ready: true })), (err) => { console.error(err); process.exit(1); });
`;

export interface S3Event {
  /** `ObjectCreated:Put` (one request), `ObjectCreated:Post` (a completed multipart upload), `ObjectRemoved:Delete`. */
  event: string;
  key: string;
}

/**
 * A throwaway S3-compatible server on a free port with its own data directory and one bucket, for the app under
 * test (env()) and for looking into the bucket (keys()); stop() and restart() keep the data, like TestRedis.
 * `host` is the address it listens on: 127.0.0.1 unless processes in other network namespaces must reach it.
 */
export class TestS3 {
  private process?: ChildProcess;
  /** Every object the server stored or deleted since it started, in order. */
  readonly events: S3Event[] = [];
  private readonly client: S3Client;

  private constructor(
    readonly host: string,
    readonly port: number,
    readonly dir: string,
    readonly bucket: string,
  ) {
    this.client = new S3Client({
      endpoint: this.endpoint,
      region: 'us-east-1',
      forcePathStyle: true,
      credentials: { accessKeyId: ACCESS_KEY, secretAccessKey: ACCESS_KEY },
    });
  }

  static async start(options: { bucket?: string; host?: string } = {}): Promise<TestS3> {
    const s3 = new TestS3(options.host ?? '127.0.0.1', await freePort(), mkdtempSync(join(tmpdir(), 'vgs-s3-')), options.bucket ?? 'vgs-test');
    await s3.launch();
    return s3;
  }

  get endpoint(): string {
    return `http://${this.host}:${this.port}`;
  }

  /** The variables that point the service at this bucket. */
  env(overrides: Record<string, string> = {}): Record<string, string> {
    return {
      STORAGE_DRIVER: 's3',
      S3_ENDPOINT: this.endpoint,
      S3_REGION: 'us-east-1',
      S3_BUCKET: this.bucket,
      S3_ACCESS_KEY_ID: ACCESS_KEY,
      S3_SECRET_ACCESS_KEY: ACCESS_KEY,
      S3_FORCE_PATH_STYLE: 'true',
      AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true',
      ...overrides,
    };
  }

  /** The keys in the bucket under `prefix`, sorted. */
  async keys(prefix = ''): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).flatMap((object) => (object.Key ? [object.Key] : [])));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  /** The bytes of one object, read straight from the bucket. */
  async object(key: string): Promise<Buffer> {
    const res = await this.client.send(new GetObjectCommand({ Bucket: this.bucket, Key: key }));
    return Buffer.from((await res.Body?.transformToByteArray()) ?? []);
  }

  private async launch(): Promise<void> {
    const child = spawn(process.execPath, ['-e', SERVER_SCRIPT, require.resolve('s3rver'), this.host, String(this.port), this.dir, this.bucket], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.process = child;
    killWithThisProcess(child);
    let stderr = '';
    child.stderr?.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const ready = new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`s3rver did not start on port ${this.port}: ${stderr}`)), 15_000);
      child.once('exit', (code) => {
        clearTimeout(timer);
        reject(new Error(`s3rver exited with ${code}: ${stderr}`));
      });
      createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        const message = JSON.parse(line) as { ready?: boolean } & S3Event;
        if (message.ready) {
          clearTimeout(timer);
          resolve();
        } else this.events.push({ event: message.event, key: message.key });
      });
    });
    await ready;
  }

  /** Stops the server (the directory keeps the bucket) and waits until the process is gone. */
  async stop(): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    await new Promise<void>((resolve) => {
      child.removeAllListeners('exit');
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    });
    this.process = undefined;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.launch();
  }

  async destroy(): Promise<void> {
    await this.stop();
    this.client.destroy();
    rmSync(this.dir, { recursive: true, force: true });
  }
}
