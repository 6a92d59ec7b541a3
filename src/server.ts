import { Logger } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { createApp, type CreateAppOptions } from './app.factory.js';
import { appConfig } from './core/config/index.js';
import { AvailabilityState } from './core/health/index.js';

const logger = new Logger('Server');

/**
 * SIGTERM/SIGINT: readiness turns 503 at once and responses say `Connection: close`; the instance
 * keeps serving for `delayMs` (a load balancer polling readiness takes it out meanwhile), then
 * in-flight requests get `drainMs` to finish, then Nest closes the listener and every module
 * (pools, cache, pushers). A second signal exits now.
 */
export function installShutdown(app: NestFastifyApplication, drainMs: number, delayMs = 0): void {
  let stopping = false;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (stopping) {
      logger.warn(`${signal} received again: exiting now`);
      process.exit(1);
    }
    stopping = true;
    shutdown(app, signal, drainMs, delayMs).then(
      () => process.exit(0),
      (error: unknown) => {
        logger.error('shutdown failed', error instanceof Error ? error.stack : String(error));
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
}

async function shutdown(app: NestFastifyApplication, signal: string, drainMs: number, delayMs: number): Promise<void> {
  const availability = app.get(AvailabilityState);
  availability.beginShutdown();
  if (delayMs > 0) {
    logger.log(
      `${signal}: readiness is 503; still serving for ${delayMs} ms while load balancers take this instance out`,
    );
    await new Promise((resolve) => setTimeout(resolve, delayMs));
  }
  logger.log(
    `${signal}: readiness is 503, draining ${availability.inFlightRequests} request(s) for up to ${drainMs} ms`,
  );
  if ((await availability.waitForDrain(drainMs)) === 'timeout') {
    logger.warn(`drain timed out with ${availability.inFlightRequests} request(s) in flight`);
  }
  await app.close();
  logger.log('shutdown complete');
}

/** Creates the app, listens on the configured address and handles shutdown signals. */
export async function startServer(options: CreateAppOptions = {}): Promise<NestFastifyApplication> {
  const app = await createApp(options);
  const config = app.get<ConfigType<typeof appConfig>>(appConfig.KEY);
  installShutdown(app, config.shutdownDrainMs, config.shutdownDelayMs);
  await app.listen({ port: config.port, host: config.host });
  logger.log(`listening on http://${config.host}:${config.port} (${config.nodeEnv})`);
  return app;
}
