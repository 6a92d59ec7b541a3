import { Module } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { DiscoveryModule } from '@nestjs/core';
import { healthConfig } from '../config/index.js';
import { AvailabilityState } from './availability.state.js';
import { EventLoopWatch } from './event-loop.watch.js';
import { HealthController } from './health.controller.js';
import { HealthService } from './health.service.js';
import { LivenessRoute } from './liveness.route.js';

@Module({
  imports: [DiscoveryModule],
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
  exports: [AvailabilityState, HealthService],
})
export class HealthModule {}
