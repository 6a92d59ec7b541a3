import type { Type } from '@nestjs/common';
import { GUARDS_METADATA } from '@nestjs/common/constants.js';
import { RATE_BUDGET } from './rate-limit.constants.js';
import { SubjectThrottlerGuard } from './subject-throttler.guard.js';

/**
 * The routes (`Class.method`) guarded by SubjectThrottlerGuard that name no budget: checked at
 * boot, so a route cannot reach production counting against nothing.
 */
export function routesWithoutBudget(controllers: readonly Type[]): string[] {
  const guardsOf = (target: object): unknown[] => (Reflect.getMetadata(GUARDS_METADATA, target) as unknown[]) ?? [];
  const missing: string[] = [];
  for (const controller of controllers) {
    const prototype = controller.prototype as Record<string, unknown>;
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const handler = prototype[name];
      if (name === 'constructor' || typeof handler !== 'function') continue;
      if (![...guardsOf(controller), ...guardsOf(handler)].includes(SubjectThrottlerGuard)) continue;
      const budget = Reflect.getMetadata(RATE_BUDGET, handler) ?? Reflect.getMetadata(RATE_BUDGET, controller);
      if (!budget) missing.push(`${controller.name}.${name}`);
    }
  }
  return missing;
}
