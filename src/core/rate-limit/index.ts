export { RateLimitModule } from './rate-limit.module.js';
export { RateBudget, SubjectThrottlerGuard, type RateBudgetName } from './subject-throttler.guard.js';
