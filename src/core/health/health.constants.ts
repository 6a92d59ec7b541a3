import { DiscoveryService } from '@nestjs/core';
import type { IndicatorOptions } from './health.types.js';

/**
 * Marks a provider implementing HealthIndicator as a contributor to /health and /health/ready:
 * `@Injectable() @ContributesHealth('cache.redis', { critical: false }) class RedisHealth ...`.
 */
export const ContributesHealth = DiscoveryService.createDecorator<IndicatorOptions & { name: string }>();

// Wrapping the decorator keeps the call site readable: name first, options second.
export function HealthContributor(name: string, options: IndicatorOptions): ClassDecorator {
  return ContributesHealth({ name, ...options });
}
