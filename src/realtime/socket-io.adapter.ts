import { INestApplicationContext } from '@nestjs/common';
import { IoAdapter } from '@nestjs/platform-socket.io';
import type { Server, ServerOptions } from 'socket.io';
import { AppConfig } from '../config/app-config';

/** Socket.IO with CORS from CORS_ORIGINS (gateway decorators are static; configuration is not). */
export class ConfiguredIoAdapter extends IoAdapter {
  constructor(
    app: INestApplicationContext,
    private readonly config: AppConfig,
  ) {
    super(app);
  }

  override createIOServer(port: number, options?: ServerOptions): Server {
    const origins = this.config.corsOrigins;
    return super.createIOServer(port, {
      ...options,
      cors: origins === true || origins.length > 0 ? { origin: origins, credentials: true } : undefined,
    }) as Server;
  }
}
