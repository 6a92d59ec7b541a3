import { Inject, Injectable } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import type { Counter } from 'prom-client';
import { performance } from 'node:perf_hooks';
import { ErrorCode } from '../common/index.js';
import { loadSheddingConfig } from './load-shedding.config.js';
import { MetricsService } from '../monitoring/index.js';
import { GradientLimit, type LimitClock } from './gradient-limit.js';
import { isSheddable } from './load-shedding.policy.js';

const monotonic: LimitClock = { now: () => performance.now() };

/**
 * The intake's concurrency limit (GradientLimit) with its metrics and its refusal. The request
 * pipeline (src/request-pipeline.ts) asks `tryAdmit()` in its request hook for a sheddable route
 * and calls `finished()` when the response closes, however it ends.
 */
@Injectable()
export class LoadShedder {
  readonly enabled: boolean;
  private readonly limiter: GradientLimit;
  private readonly shed: Counter<'route'>;
  private readonly shedByRoute = new Map<string, Counter.Internal>();
  private readonly retryAfter: string;

  constructor(
    @Inject(loadSheddingConfig.KEY) private readonly config: ConfigType<typeof loadSheddingConfig>,
    metrics: MetricsService,
  ) {
    this.enabled = config.enabled;
    this.retryAfter = String(config.retryAfterSeconds);
    this.limiter = new GradientLimit(config, monotonic);
    const limiter = this.limiter;
    metrics.gauge({
      name: 'http_concurrency_limit',
      help: 'Adaptive concurrency limit of sheddable routes: requests in flight past it are shed (503).',
      collect() {
        this.set(limiter.limit);
      },
    });
    metrics.gauge({
      name: 'http_concurrency_in_flight',
      help: 'Requests of sheddable routes in flight, counted against http_concurrency_limit.',
      collect() {
        this.set(limiter.inFlightRequests);
      },
    });
    this.shed = metrics.counter({
      name: 'http_requests_shed_total',
      help: 'Requests refused with 503 at intake because the concurrency limit was reached, by route template.',
      labelNames: ['route'],
    });
  }

  get limit(): number {
    return this.limiter.limit;
  }

  /** Decided once per route, when it is registered. */
  sheds(route: string): boolean {
    return this.enabled && isSheddable(route, this.config.neverShedRoutes);
  }

  /** A start time to hand back to `finished`, or -1: refused, and the 503 is sent. */
  tryAdmit(route: string, requestId: string, reply: FastifyReply): number {
    if (this.limiter.tryAcquire()) return monotonic.now();
    this.counterFor(route).inc();
    // Closing makes a client that resends at once reconnect first: its retries then wait in the
    // kernel's accept queue, not in our event loop (see the drill in docs/overload.md).
    void reply
      .status(503)
      .header('retry-after', this.retryAfter)
      .header('connection', 'close')
      .header('content-type', 'application/json; charset=utf-8')
      .send(
        `{"statusCode":503,"error":"Service Unavailable","code":"${ErrorCode.OVERLOADED}",` +
          `"message":"the service is at its concurrency limit, retry later","requestId":"${requestId}"}`,
      );
    return -1;
  }

  /** Gives the slot back; `completed` false when the client went away before the answer. */
  finished(admittedAt: number, completed: boolean): void {
    this.limiter.release(admittedAt, completed);
  }

  private counterFor(route: string): Counter.Internal {
    let counter = this.shedByRoute.get(route);
    if (!counter) this.shedByRoute.set(route, (counter = this.shed.labels(route)));
    return counter;
  }
}
