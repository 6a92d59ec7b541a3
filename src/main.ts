import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp } from './app.factory.js';
import { appConfig, ConfigValidationError } from './core/config/index.js';
import { AvailabilityState } from './core/health/index.js';

const logger = new Logger('Bootstrap');

async function shutdown(app: NestFastifyApplication, signal: string, drainMs: number): Promise<void> {
  const availability = app.get(AvailabilityState);
  availability.beginShutdown();
  logger.log(`${signal} received: readiness is now 503, draining ${availability.inFlightRequests} request(s) for up to ${drainMs} ms`);
  const outcome = await availability.waitForDrain(drainMs);
  if (outcome === 'timeout') logger.warn(`drain timed out with ${availability.inFlightRequests} request(s) in flight`);
  await app.close();
  logger.log('shutdown complete');
}

async function bootstrap(): Promise<void> {
  const app = await createApp();
  const config = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  let stopping = false;
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.on(signal, () => {
      if (stopping) {
        logger.warn(`${signal} received again: exiting now`);
        process.exit(1);
      }
      stopping = true;
      shutdown(app, signal, config.shutdownDrainMs).then(
        () => process.exit(0),
        (error: unknown) => {
          logger.error('shutdown failed', error instanceof Error ? error.stack : String(error));
          process.exit(1);
        },
      );
    });
  }
  await app.listen({ port: config.port, host: config.host });
  logger.log(`listening on http://${config.host}:${config.port} (${config.nodeEnv})`);
}

bootstrap().catch((error: unknown) => {
  if (error instanceof ConfigValidationError) {
    process.stderr.write(`${error.message}\n`);
  } else {
    logger.fatal('boot failed', error instanceof Error ? error.stack : String(error));
  }
  process.exit(1);
});
