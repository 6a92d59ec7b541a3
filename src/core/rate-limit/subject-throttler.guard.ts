import { Injectable, SetMetadata } from '@nestjs/common';
import type { ModuleConfig } from '../config/index.js';
import { ModuleRef, Reflector } from '@nestjs/core';
import {
  InjectThrottlerOptions,
  InjectThrottlerStorage,
  ThrottlerGuard,
  type ThrottlerModuleOptions,
  type ThrottlerRequest,
  type ThrottlerStorage,
} from '@nestjs/throttler';
import type { Principal } from '../auth/index.js';
import { RATE_BUDGET } from './rate-limit.constants.js';

/** A budget as a route declares it: the limit is read from its module's config once, at first use. */
export interface RateBudgetSpec {
  name: string;
  configToken: string;
  perMinute: (config: never) => number;
}

/**
 * The budget a route guarded by SubjectThrottlerGuard draws on: a name, and its limit per minute
 * taken from the declaring module's own config (0 = off). Every route naming one budget shares
 * one count per caller: a create and a cancel spend the same budget.
 *
 * `@RateBudget('writes', ordersConfig, (c) => c.writesPerMinute)`
 */
export const RateBudget = <R extends object>(name: string, config: ModuleConfig<R>, perMinute: (config: R) => number) =>
  SetMetadata<string, RateBudgetSpec>(RATE_BUDGET, { name, configToken: String(config.KEY), perMinute });

/**
 * Counts per authenticated subject, or per client address for anonymous callers, one count per
 * budget whatever the route (@nestjs/throttler keys counts by class and handler: a caller would
 * get the limit once per route).
 */
@Injectable()
export class SubjectThrottlerGuard extends ThrottlerGuard {
  private readonly limits = new Map<RateBudgetSpec, number>();

  constructor(
    @InjectThrottlerOptions() options: ThrottlerModuleOptions,
    @InjectThrottlerStorage() storage: ThrottlerStorage,
    reflector: Reflector,
    private readonly modules: ModuleRef,
  ) {
    super(options, storage, reflector);
  }

  protected override getTracker(request: Record<string, unknown>): Promise<string> {
    const principal = request.principal as Principal | undefined;
    return Promise.resolve(principal && !principal.anonymous ? `sub:${principal.sub}` : `ip:${String(request.ip)}`);
  }

  protected override handleRequest(props: ThrottlerRequest): Promise<boolean> {
    const { context } = props;
    const budget = this.reflector.getAllAndOverride<RateBudgetSpec | undefined>(RATE_BUDGET, [
      context.getHandler(),
      context.getClass(),
    ]);
    if (!budget)
      throw new Error(
        `${context.getClass().name}.${context.getHandler().name}: SubjectThrottlerGuard without @RateBudget`,
      );
    const limit = this.limitOf(budget);
    if (!limit) return Promise.resolve(true);
    return super.handleRequest({ ...props, limit, generateKey: (_context, tracker) => `${budget.name}:${tracker}` });
  }

  private limitOf(budget: RateBudgetSpec): number {
    let limit = this.limits.get(budget);
    if (limit === undefined) {
      // The config namespaces are global providers: the guard reads the one the route named.
      limit = budget.perMinute(this.modules.get(budget.configToken, { strict: false }) as never);
      this.limits.set(budget, limit);
    }
    return limit;
  }
}
