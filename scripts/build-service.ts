/**
 * Builds the service (src/ → dist/, as `nest build` does for production) when its sources, compiler settings or the
 * lockfile changed since the last build. The e2e tests that start the service as an OS process (test/support/
 * app-process.ts) run dist/main.js after this: the process is up in a third of the time ts-node takes to compile
 * the sources at every start, and it is the code production runs. On its own:
 * `node -r ts-node/register/transpile-only scripts/build-service.ts`.
 */
import { join } from 'node:path';
import { buildIfStale, ROOT } from './build-if-stale';

export function buildServiceIfStale(): void {
  buildIfStale({
    inputs: ['src', 'tsconfig.json', 'tsconfig.build.json', 'nest-cli.json', 'package-lock.json'].map((input) => join(ROOT, input)),
    include: (file) => !file.endsWith('.spec.ts'),
    stampFile: join(ROOT, 'dist', '.source-hash'),
    command: ['nest', 'build', '-p', 'tsconfig.build.json'],
  });
}

if (require.main === module) buildServiceIfStale();
