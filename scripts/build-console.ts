/**
 * Builds the web console (console/ → console/dist, served at /console) when its sources or the lockfile changed since
 * the last build, so a test never serves a stale bundle and an unchanged one is not rebuilt. `npm run build` always
 * builds; the e2e tests run this first (jest globalSetup), and it runs on its own: `node -r ts-node/register scripts/build-console.ts`.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

const root = join(__dirname, '..');
const consoleDir = join(root, 'console');
const stampFile = join(consoleDir, 'dist', '.source-hash');

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' ? [] : sources(path);
    return [path];
  });
}

function sourceHash(): string {
  const hash = createHash('sha256');
  for (const file of [...sources(consoleDir), join(root, 'package-lock.json')].sort()) {
    hash.update(relative(root, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

export function buildConsoleIfStale(): void {
  const hash = sourceHash();
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return;
  execFileSync(join(root, 'node_modules', '.bin', 'vite'), ['build', '-c', join(consoleDir, 'vite.config.mjs')], { cwd: root, stdio: 'inherit' });
  writeFileSync(stampFile, hash);
}

export default buildConsoleIfStale; // jest globalSetup

if (require.main === module) buildConsoleIfStale();
