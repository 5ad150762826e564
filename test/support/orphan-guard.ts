import { ChildProcess, spawn } from 'node:child_process';
import type { Socket } from 'node:net';

/**
 * Test servers (redis-server, the service, s3rver) are child processes, and a child outlives a Jest that is killed
 * mid-run (a timeout's SIGTERM, an OOM kill): it would keep its port and memory on the machine CI shares. Each test
 * process has one watchdog (a shell in its own process group, so a Ctrl-C to the group leaves it running) holding
 * the read end of a pipe. When the test process dies, however it dies, the pipe closes and the watchdog kills
 * every child still registered with it.
 */
const WATCHDOG = `
pids=' '
while read -r line; do
  case "$line" in
    +*) pids="$pids\${line#+} " ;;
    -*) pids=$(printf '%s' "$pids" | sed "s/ \${line#-} / /") ;;
  esac
done
for pid in $pids; do kill -9 "$pid" 2>/dev/null; done
exit 0
`;

let watchdog: ChildProcess | undefined;

function startWatchdog(): ChildProcess {
  const child = spawn('sh', ['-c', WATCHDOG], { stdio: ['pipe', 'ignore', 'ignore'], detached: true });
  // Neither the watchdog nor its pipe keeps the test process alive.
  child.unref();
  (child.stdin as unknown as Socket).unref();
  child.stdin?.on('error', () => undefined);
  return child;
}

/** Kills `child` if this process dies first; a child that exits on its own is forgotten. */
export function killWithThisProcess(child: ChildProcess): void {
  const pid = child.pid;
  if (pid === undefined) return;
  watchdog ??= startWatchdog();
  const pipe = watchdog.stdin;
  pipe?.write(`+${pid}\n`);
  child.once('exit', () => {
    if (pipe?.writable) pipe.write(`-${pid}\n`);
  });
}
