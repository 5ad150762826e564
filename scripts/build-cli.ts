/**
 * Builds the SDK and CLI (clients/ → dist/clients, what the package's `vgs` bin runs) when their sources, compiler
 * settings or the lockfile changed since the last build; test/cli.e2e-spec.ts runs the built CLI after this.
 * On its own: `node -r ts-node/register/transpile-only scripts/build-cli.ts`.
 */
import { join } from 'node:path';
import { buildIfStale, ROOT } from './build-if-stale';

export function buildCliIfStale(): void {
  buildIfStale({
    inputs: ['clients', 'tsconfig.json', 'package-lock.json'].map((input) => join(ROOT, input)),
    include: (file) => !file.endsWith('.spec.ts'),
    stampFile: join(ROOT, 'dist', 'clients', '.source-hash'),
    command: ['tsc', '-p', join(ROOT, 'clients', 'tsconfig.build.json')],
  });
}

if (require.main === module) buildCliIfStale();
