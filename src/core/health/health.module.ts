import { Module } from '@nestjs/common';
import { ConfigModule, type ConfigType } from '@nestjs/config';
import { TerminusModule } from '@nestjs/terminus';
import { healthConfig } from './health.config.js';
import { AvailabilityState } from './availability.state.js';
import { EventLoopWatch } from './event-loop.watch.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { LivenessRoute } from './liveness.route.js';

/**
 * Health on @nestjs/terminus: importing this module gives HealthService (the registry) and
 * Terminus's HealthIndicatorService and ready-made indicators (TypeOrmHealthIndicator, ...).
 */
@Module({
  imports: [ConfigModule.forFeature(healthConfig), TerminusModule.forRoot({ logger: false })],
  controllers: [HealthController],
  providers: [
    AvailabilityState,
    HealthService,
    LivenessRoute,
    {
      provide: EventLoopWatch,
      inject: [healthConfig.KEY],
      useFactory: (config: ConfigType<typeof healthConfig>) => new EventLoopWatch(config.eventLoopStallMs),
    },
  ],
  exports: [AvailabilityState, HealthService, TerminusModule],
})
export class HealthModule {}
