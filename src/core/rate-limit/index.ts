export { RateLimitModule } from './rate-limit.module.js';
export { SubjectThrottlerGuard } from './subject-throttler.guard.js';
