export { HealthModule } from './health.module.js';
export { HealthService } from './health.service.js';
export { AvailabilityState } from './availability.state.js';
export type { StatusChange, StatusListener } from './component-status.tracker.js';
export type {
  ComponentReport,
  HealthReport,
  HealthStatus,
  IndicatorCheck,
  IndicatorRegistration,
} from './health.types.js';
export { detailsAccess, type DetailsAccess } from './details-access.js';
export { LIVENESS_PATH } from './liveness.route.js';
export { healthConfig, HealthEnv } from './health.config.js';
