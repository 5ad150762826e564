/**
 * Runs a build when its inputs changed since the last one: a hash of every input file (directories walked, `dist`
 * folders left out) is stamped next to the output after each build, and a build whose stamp matches is skipped.
 * The e2e tests use it so that they never run a stale bundle or service and never rebuild an unchanged one.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join, relative } from 'node:path';

export const ROOT = join(__dirname, '..');

function files(path: string, include: (file: string) => boolean): string[] {
  if (!statSync(path).isDirectory()) return [path];
  return readdirSync(path, { withFileTypes: true }).flatMap((entry) => {
    const child = join(path, entry.name);
    if (entry.isDirectory()) return entry.name === 'dist' ? [] : files(child, include);
    return include(child) ? [child] : [];
  });
}

function inputHash(inputs: string[], include: (file: string) => boolean): string {
  const hash = createHash('sha256');
  for (const file of inputs.flatMap((input) => files(input, include)).sort()) {
    hash.update(relative(ROOT, file)).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

/** `command`: a tool of node_modules/.bin and its arguments, run from the project's root. */
export function buildIfStale(options: { inputs: string[]; include?: (file: string) => boolean; stampFile: string; command: [string, ...string[]] }): void {
  const { inputs, include = () => true, stampFile, command } = options;
  const hash = inputHash(inputs, include);
  if (existsSync(stampFile) && readFileSync(stampFile, 'utf8') === hash) return;
  const [tool, ...args] = command;
  execFileSync(join(ROOT, 'node_modules', '.bin', tool), args, { cwd: ROOT, stdio: 'inherit' });
  writeFileSync(stampFile, hash);
}
