import { Module } from '@nestjs/common';
import { AvailabilityState } from './availability.state.js';
import { HealthController } from './health.controller.js';
import { LivenessRoute } from './liveness.route.js';

@Module({
  controllers: [HealthController],
  providers: [AvailabilityState, LivenessRoute],
  exports: [AvailabilityState],
})
export class HealthModule {}
