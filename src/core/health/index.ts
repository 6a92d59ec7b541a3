export { HealthModule } from './health.module.js';
export { HealthService } from './health.service.js';
export { AvailabilityState } from './availability.state.js';
export { HealthContributor } from './health.constants.js';
export type { StatusChange, StatusListener } from './component-status.tracker.js';
export type { ComponentHealth, HealthIndicator, HealthReport, HealthStatus, IndicatorOptions } from './health.types.js';
export { detailsAccess, type DetailsAccess } from './details-access.js';
