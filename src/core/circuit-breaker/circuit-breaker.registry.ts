import { Inject, Injectable, Logger, Optional } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { Listeners } from '../common/index.js';
import { circuitBreakerConfig } from './circuit-breaker.config.js';
import { HealthIndicatorService } from '@nestjs/terminus';
import { HealthService } from '../health/index.js';
import { MetricsService } from '../monitoring/index.js';
import { CircuitBreaker } from './circuit-breaker.js';
import {
  type BreakerSettings,
  CircuitState,
  DEFAULT_BREAKER_SETTINGS,
  type StateTransition,
} from './circuit-breaker.types.js';
import { BreakerMetrics } from './circuit-breaker.metrics.js';
import { type PolicyOptions, ResiliencePolicy } from './resilience.policy.js';

export interface ExecuteOptions<T> {
  /** Called instead of failing, with the error (a CircuitOpenError when the breaker rejected). */
  fallback?: (error: unknown) => T | Promise<T>;
}

const UNHEALTHY = new Set([CircuitState.OPEN, CircuitState.FORCED_OPEN, CircuitState.HALF_OPEN]);

/**
 * Named breakers, created on first use from CB_* defaults and CB_OVERRIDES[name]; each one logs
 * its transitions, feeds the metrics and shows in /health.
 */
@Injectable()
export class CircuitBreakerRegistry {
  private readonly breakers = new Map<string, CircuitBreaker>();
  private readonly policies = new Map<string, ResiliencePolicy>();
  private readonly logger = new Logger('CircuitBreaker');
  private readonly listeners = new Listeners<StateTransition>((error) =>
    this.logger.error('a breaker listener failed', error instanceof Error ? error.stack : String(error)),
  );
  private readonly metrics?: BreakerMetrics;

  constructor(
    @Inject(circuitBreakerConfig.KEY) private readonly config: ConfigType<typeof circuitBreakerConfig>,
    @Optional() private readonly health?: HealthService,
    @Optional() metrics?: MetricsService,
    @Optional() private readonly indicators: HealthIndicatorService = new HealthIndicatorService(),
  ) {
    if (metrics) this.metrics = new BreakerMetrics(metrics, () => this.all());
    health?.register({ name: 'circuitBreakers', critical: false, weight: 0.5, check: (key) => this.healthReport(key) });
  }

  /** The breaker called `name`, created on first use; `settings` apply only then. */
  get(name: string, settings: Partial<BreakerSettings> = {}): CircuitBreaker {
    const existing = this.breakers.get(name);
    if (existing) return existing;
    const { severity, failReadinessWhenOpen, ...override } = this.config.overrides[name] ?? {};
    const { failReadinessWhenOpen: defaultFailReadiness, ...defaults } = this.config.defaults;
    const merged: BreakerSettings = {
      ...DEFAULT_BREAKER_SETTINGS,
      ...defaults,
      ...override,
      ...settings,
      severity: { ...severity, ...settings.severity },
    };
    const breaker = new CircuitBreaker(name, merged);
    breaker.onStateChange((t) => this.onTransition(t));
    this.metrics?.attach(breaker);
    this.breakers.set(name, breaker);
    if (failReadinessWhenOpen ?? defaultFailReadiness) this.registerReadiness(breaker);
    return breaker;
  }

  /** Runs `fn` through the breaker `name`; with a fallback, failures and rejections answer through it. */
  async execute<T>(name: string, fn: () => Promise<T> | T, options: ExecuteOptions<T> = {}): Promise<T> {
    const breaker = this.get(name);
    if (!options.fallback) return breaker.execute(fn);
    try {
      return await breaker.execute(fn);
    } catch (error) {
      return options.fallback(error);
    }
  }

  /** Timeout, retry and optional bulkhead around the breaker `name`; built once per name. */
  policy(name: string, options: PolicyOptions): ResiliencePolicy {
    let policy = this.policies.get(name);
    if (!policy) {
      policy = new ResiliencePolicy(this.get(name), options);
      this.policies.set(name, policy);
    }
    return policy;
  }

  find(name: string): CircuitBreaker | undefined {
    return this.breakers.get(name);
  }

  all(): CircuitBreaker[] {
    return [...this.breakers.values()];
  }

  /** Every transition of every breaker, present and future. */
  onStateChange(listener: (t: StateTransition) => void): () => void {
    return this.listeners.add(listener);
  }

  private onTransition(t: StateTransition): void {
    const line = `${t.breaker}: ${t.from} -> ${t.to} (${t.cause})`;
    if (t.to === CircuitState.OPEN || t.to === CircuitState.FORCED_OPEN) this.logger.warn(line);
    else this.logger.log(line);
    this.metrics?.transition(t);
    this.listeners.emit(t);
  }

  private healthReport(key: string) {
    const breakers = Object.fromEntries(
      this.all().map((b) => [b.name, { state: b.state, ...b.metrics(), retryAfterMs: b.retryAfterMs() }]),
    );
    const check = this.indicators.check(key);
    return this.all().some((b) => UNHEALTHY.has(b.state)) ? check.degraded({ breakers }) : check.up({ breakers });
  }

  private registerReadiness(breaker: CircuitBreaker): void {
    this.health?.register({
      name: `circuitBreaker.${breaker.name}`,
      critical: true,
      check: (key) => {
        const state = breaker.state;
        const open = state === CircuitState.OPEN || state === CircuitState.FORCED_OPEN;
        return open ? this.indicators.check(key).down({ state }) : this.indicators.check(key).up({ state });
      },
    });
  }
}
