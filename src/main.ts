import { createApp } from './app.factory';
import { AppConfig } from './config/app-config';

/** After the renders' grace, how long closing the rest (connections, queues) may take before the process just exits. */
const SHUTDOWN_CLOSE_MS = 10_000;

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get(AppConfig);
  // A backstop: closing waits on Redis (queues, connections). The hooks close at once when Redis is gone, but should
  // one ever hang, only an orchestrator's SIGKILL would end the process (a plain `kill`, as `npm run stop`, never would).
  const deadlineMs = config.shutdownGraceMs + SHUTDOWN_CLOSE_MS;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`shutdown did not finish within ${deadlineMs} ms; exiting\n`);
        process.exit(1);
      }, deadlineMs).unref();
    });
  }
  await app.listen(config.port, config.host);
}

bootstrap().catch((err: Error) => {
  // The logger may not exist yet (bad environment): say plainly what is wrong.
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
