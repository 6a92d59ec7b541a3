import { Inject, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Principal } from '../auth/index.js';
import { RATE_BUDGET, RATE_BUDGETS } from './rate-limit.constants.js';

/** The budgets a route can draw on: `writes` (the default) and `quotes`. */
export type RateBudgetName = 'writes' | 'quotes';

/**
 * Names the budget a route guarded by SubjectThrottlerGuard draws on (default `writes`). Every
 * route of one budget shares one count per subject: a create and a cancel spend the same budget.
 */
export const RateBudget = (name: RateBudgetName) => SetMetadata(RATE_BUDGET, name);

/**
 * Counts per authenticated subject, or per client address for anonymous callers, one count per
 * budget whatever the route (@nestjs/throttler keys counts by class and handler: a caller would
 * get the limit once per route).
 */
@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    @Inject(RATE_BUDGETS) private readonly budgets: Readonly<Record<RateBudgetName, number>>,
  ) {
    super(options, storage, reflector);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = request.principal as Principal | undefined;
    return Promise.resolve(principal && !principal.anonymous ? `sub:${principal.sub}` : `ip:${String(request.ip)}`);
  }

  protected override handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context } = props;
    const budget =
      this.reflector.getAllAndOverride<RateBudgetName | undefined>(RATE_BUDGET, [
        context.getHandler(),
        context.getClass(),
      ]) ?? 'writes';
    const limit = this.budgets[budget];
    if (!limit) return Promise.resolve(true);
    return super.handleRequest({ ...props, limit, generateKey: (_context, tracker) => `${budget}:${tracker}` });
  }
}
