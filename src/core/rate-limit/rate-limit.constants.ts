/** Metadata key of `@RateBudget(...)`. */
export const RATE_BUDGET = 'RATE_LIMIT:BUDGET';
