/**
 * `npm run sdk [outDir]`: regenerates the TypeScript SDK (clients/typescript/src/gen) from the OpenAPI document as
 * the service serves it, written the way `npm run lint:openapi` writes it. test/sdk.e2e-spec.ts generates into a
 * temporary folder and fails when the committed files differ.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { writeDocument } from './lint-openapi';

async function main(): Promise<number> {
  const out = resolve(process.argv[2] ?? join(__dirname, '..', 'clients', 'typescript', 'src', 'gen'));
  const dir = mkdtempSync(join(tmpdir(), 'vgs-sdk-'));
  try {
    const document = join(dir, 'openapi.json');
    await writeDocument(document);
    // The generator is ESM-only; its own CLI runs it. The version is pinned in package.json: the output is
    // committed, and another version writes other bytes.
    const cli = join(dirname(require.resolve('@hey-api/openapi-ts/package.json')), 'bin', 'run.js');
    const run = spawnSync(process.execPath, [cli, '--input', document, '--output', out, '--client', '@hey-api/client-fetch', '--no-log-file', '--silent'], {
      stdio: 'inherit',
    });
    return run.status ?? 1;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(err);
    process.exit(1);
  },
);
