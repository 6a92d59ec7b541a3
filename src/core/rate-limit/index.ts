export { RateLimitModule } from './rate-limit.module.js';
export { RateBudget, SubjectThrottlerGuard, type RateBudgetSpec } from './subject-throttler.guard.js';
