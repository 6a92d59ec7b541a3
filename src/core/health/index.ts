export { HealthModule } from './health.module.js';
export { AvailabilityState } from './availability.state.js';
