/** Limits per budget, per minute (0 = off): provided by RateLimitModule from the configuration. */
export const RATE_BUDGETS = 'RATE_LIMIT:BUDGETS';
/** Metadata key of `@RateBudget(name)`. */
export const RATE_BUDGET = 'RATE_LIMIT:BUDGET';
