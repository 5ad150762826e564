/**
 * `npm run lint:openapi [out.json]`: writes the OpenAPI document exactly as the service serves it and lints it
 * with Redocly's recommended rules (redocly.yaml). Building the document needs the whole Nest app, whose queue and
 * stores connect at start, so it runs the test app (API role) on a throwaway redis-server. Exits with the linter's code.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { startTestApp } from '../test/support/test-app';

/** Writes the served OpenAPI document to `path` (also the SDK generator's input: scripts/generate-sdk.ts). */
export async function writeDocument(path: string): Promise<void> {
  const ctx = await startTestApp({ APP_ROLE: 'api' });
  try {
    const res = await ctx.http().get('/openapi.json');
    if (res.status !== 200) throw new Error(`GET /openapi.json answered ${res.status}`);
    writeFileSync(path, `${JSON.stringify(res.body, null, 2)}\n`);
  } finally {
    await ctx.close();
  }
}

async function main(): Promise<number> {
  const keep = process.argv[2];
  const dir = keep ? undefined : mkdtempSync(join(tmpdir(), 'vgs-openapi-'));
  const path = keep ? resolve(keep) : join(dir!, 'openapi.json');
  try {
    await writeDocument(path);
    const cli = require.resolve('@redocly/cli/bin/cli.js');
    const lint = spawnSync(process.execPath, [cli, 'lint', path, '--config', resolve(__dirname, '..', 'redocly.yaml')], {
      stdio: 'inherit',
      // No usage reports or update checks: the linter runs offline, in CI too.
      env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
    });
    return lint.status ?? 1;
  } finally {
    if (dir) rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module) {
  main().then(
    (code) => process.exit(code),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
