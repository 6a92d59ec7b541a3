import { Injectable } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { BucketHistogram, BucketRecorder } from './bucket-histogram.js';
import { MetricsService } from './metrics.service.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);
const STATUS_CLASSES = ['1xx', '2xx', '3xx', '4xx', '5xx'];

/**
 * HTTP request duration by method, route template and status class. Labels stay bounded:
 * an unknown path is `unmatched`, never itself; an unusual method is `OTHER`. Recorders are kept
 * per route and method, so a request costs a few map lookups, not a label hash. The request
 * pipeline (src/request-pipeline.ts) calls `record` from its one response hook.
 */
@Injectable()
export class HttpMetrics {
  private readonly histogram: BucketHistogram;
  // Created on first use, so only combinations that happened become series.
  private readonly recorders = new Map<string, Map<string, Array<BucketRecorder | undefined>>>();

  constructor(metrics: MetricsService) {
    this.histogram = metrics.bucketHistogram(
      'http_server_request_duration_seconds',
      'HTTP request duration, by method, route template and status class.',
      ['method', 'route', 'status_class'],
      [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    );
  }

  record(request: FastifyRequest, reply: FastifyReply): void {
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    const route = request.routeOptions?.url ?? 'unmatched';
    const statusClass = Math.min(4, Math.max(0, Math.floor(reply.statusCode / 100) - 1));
    this.recorderFor(route, method, statusClass).observe(reply.elapsedTime / 1000);
  }

  private recorderFor(route: string, method: string, statusClass: number): BucketRecorder {
    let byMethod = this.recorders.get(route);
    if (!byMethod) this.recorders.set(route, (byMethod = new Map()));
    let byClass = byMethod.get(method);
    if (!byClass) byMethod.set(method, (byClass = []));
    return (byClass[statusClass] ??= this.histogram.child(method, route, STATUS_CLASSES[statusClass]));
  }
}
