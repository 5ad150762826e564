/**
 * Builds the web console (console/ → console/dist, served at /console) when its sources or the lockfile changed since
 * the last build, so a test never serves a stale bundle and an unchanged one is not rebuilt. `npm run build` always
 * builds; the e2e tests run this first (jest globalSetup), and it runs on its own: `node -r ts-node/register scripts/build-console.ts`.
 */
import { join } from 'node:path';
import { buildIfStale, ROOT } from './build-if-stale';

const consoleDir = join(ROOT, 'console');

export function buildConsoleIfStale(): void {
  buildIfStale({
    inputs: [consoleDir, join(ROOT, 'package-lock.json')],
    stampFile: join(consoleDir, 'dist', '.source-hash'),
    command: ['vite', 'build', '-c', join(consoleDir, 'vite.config.mjs')],
  });
}

export default buildConsoleIfStale; // jest globalSetup

if (require.main === module) buildConsoleIfStale();
