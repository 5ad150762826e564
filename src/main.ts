import { createApp } from './app.factory';
import { AppConfig } from './config/app-config';

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get(AppConfig);
  await app.listen(config.port, config.host);
}

bootstrap().catch((err: Error) => {
  // The logger may not exist yet (bad environment): say plainly what is wrong.
  process.stderr.write(`${err.message}\n`);
  process.exit(1);
});
