import { Injectable, Logger } from '@nestjs/common';
import type { Counter } from 'prom-client';
import { MetricsService } from '../monitoring/index.js';
import type { RefusalReason } from './jwt.verifier.js';

const LOG_EVERY_MS = 1000;

/**
 * Counts every refused credential (`auth_refusals_total{reason}`) and logs them, at most one line
 * a second, with how many were left out meanwhile: a token-guessing storm cannot flood the logs.
 */
@Injectable()
export class RefusalRecorder {
  private readonly counter: Counter<'reason'>;
  private readonly logger = new Logger('Auth');
  private lastLogAt = 0;
  private suppressed = 0;
  /** Replaceable in tests. */
  now: () => number = Date.now;

  constructor(metrics: MetricsService) {
    this.counter = metrics.counter({
      name: 'auth_refusals_total',
      help: 'Credentials refused, by reason.',
      labelNames: ['reason'],
    });
  }

  record(reason: RefusalReason, route: string, requestId: string, ip: string): void {
    this.counter.inc({ reason });
    const now = this.now();
    if (now - this.lastLogAt < LOG_EVERY_MS) {
      this.suppressed += 1;
      return;
    }
    const more = this.suppressed > 0 ? ` (${this.suppressed} more refused in the last second)` : '';
    this.logger.warn(`refused ${reason} credentials on ${route} from ${ip} [requestId=${requestId}]${more}`);
    this.lastLogAt = now;
    this.suppressed = 0;
  }
}
