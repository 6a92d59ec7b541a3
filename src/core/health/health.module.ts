import { Module } from '@nestjs/common';
import { AvailabilityState } from './availability.state.js';
import { HealthController } from './health.controller.js';

@Module({
  controllers: [HealthController],
  providers: [AvailabilityState],
  exports: [AvailabilityState],
})
export class HealthModule {}
