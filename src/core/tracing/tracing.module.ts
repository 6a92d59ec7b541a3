import { Global, Logger, Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { RequestSpans } from './request-spans.js';
import { spans } from './spans.js';
import { tracingConfig } from './tracing.config.js';
import { TRACING_ENGINE } from './tracing.constants.js';
import { TracingLifecycle } from './tracing.lifecycle.js';
import type { TracingEngine } from './tracing-engine.js';

/**
 * OpenTelemetry traces, on when OTEL_EXPORTER_OTLP_ENDPOINT is set. The SDK is imported only then
 * (the provider's dynamic import), and handed to the shared Spans every seam uses.
 */
@Global()
@Module({
  imports: [ConfigModule.forFeature(tracingConfig)],
  providers: [
    {
      provide: TRACING_ENGINE,
      inject: [tracingConfig.KEY],
      useFactory: async (config: ConfigType<typeof tracingConfig>): Promise<TracingEngine | null> => {
        const { tracesUrl } = config;
        if (tracesUrl === undefined) return null;
        const { startOtelSdk } = await import('./otel-sdk.js');
        const engine = startOtelSdk({ ...config, tracesUrl });
        spans.enable(engine);
        const ratio = config.sampler.endsWith('traceidratio') ? ` ${config.samplerRatio}` : '';
        new Logger('Tracing').log(`traces to ${new URL(tracesUrl).origin}, sampler ${config.sampler}${ratio}`);
        return engine;
      },
    },
    { provide: RequestSpans, useValue: new RequestSpans(spans) },
    TracingLifecycle,
  ],
  exports: [TRACING_ENGINE, RequestSpans],
})
export class TracingModule {}
