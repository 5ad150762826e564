import { Controller, Get, Param, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import type { Response } from 'express';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Public } from '../auth/auth.decorators';
import { AppException } from '../common/error-codes';
import { AppConfig } from '../config/app-config';

/** Where `npm run build` (Vite, console/vite.config.ts) puts the console: the same place from src/ and dist/. */
export const CONSOLE_BUILD_DIR = join(__dirname, '..', '..', 'console', 'dist');
const ASSET_NAME = /^[\w.-]+\.(js|css|svg|png|ico|woff2?)$/;

/** What the page needs to know before it can sign anyone in; read by console/src/main.ts. */
export interface ConsoleSettings {
  /** Sign in with Clerk (its browser SDK is part of the bundle) when the instance has a publishable key. */
  clerk_publishable_key: string | null;
  /** Pasting a session token is for development and tests only. */
  dev_tokens: boolean;
}

/**
 * The web console: a page built into console/dist (by Vite, from console/), its hashed assets, and its settings. Public:
 * the page signs in in the browser and calls the API with the token like any client. Its CSP is set by ConsoleModule.
 */
@ApiExcludeController()
@Public()
@Controller('console')
export class ConsoleController {
  constructor(private readonly config: AppConfig) {}

  @Get()
  async page(@Res() res: Response): Promise<void> {
    const html = await readFile(join(CONSOLE_BUILD_DIR, 'index.html'), 'utf8').catch(() => {
      throw new AppException('NOT_FOUND', 'The web console is not built: run npm run build');
    });
    res.setHeader('Cache-Control', 'no-cache'); // it names the current hashed assets
    res.type('html').send(html);
  }

  @Get('config.json')
  settings(): ConsoleSettings {
    return { clerk_publishable_key: this.config.consoleClerk?.publishableKey ?? null, dev_tokens: !this.config.isProduction };
  }

  @Get('assets/:name')
  asset(@Param('name') name: string, @Res() res: Response): Promise<void> {
    if (!ASSET_NAME.test(name)) throw new AppException('NOT_FOUND', 'No such console asset');
    return new Promise((resolve, reject) => {
      // Names carry a content hash: a new build makes new names, so an asset never changes under its name.
      res.sendFile(name, { root: join(CONSOLE_BUILD_DIR, 'assets'), immutable: true, maxAge: '365d', dotfiles: 'deny' }, (err?: Error) => {
        if (!err) return resolve();
        if (res.headersSent) return resolve();
        reject(new AppException('NOT_FOUND', 'No such console asset'));
      });
    });
  }
}
