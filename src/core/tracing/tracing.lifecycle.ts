import { Inject, Injectable, type OnApplicationShutdown } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { spans } from './spans.js';
import { tracingConfig } from './tracing.config.js';
import { TRACING_ENGINE } from './tracing.constants.js';
import type { TracingEngine } from './tracing-engine.js';

/** At shutdown, after the app has stopped serving: queued spans leave within a bound, then tracing is off. */
@Injectable()
export class TracingLifecycle implements OnApplicationShutdown {
  constructor(
    @Inject(TRACING_ENGINE) private readonly engine: TracingEngine | null,
    @Inject(tracingConfig.KEY) private readonly config: ConfigType<typeof tracingConfig>,
  ) {}

  async onApplicationShutdown(): Promise<void> {
    if (this.engine === null) return;
    spans.disable();
    await this.engine.shutdown(this.config.shutdownFlushMs);
  }
}
