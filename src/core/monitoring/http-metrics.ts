import type { FastifyInstance } from 'fastify';
import type { MetricsService } from './metrics.service.js';

const METHODS = new Set(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS']);

/**
 * HTTP request duration by method, route template and status class. Labels stay bounded:
 * an unknown path is `unmatched`, never itself; an unusual method is `OTHER`.
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: MetricsService): void {
  const histogram = metrics.histogram({
    name: 'http_server_request_duration_seconds',
    help: 'HTTP request duration, by method, route template and status class.',
    labelNames: ['method', 'route', 'status_class'],
    buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
  });
  fastify.addHook('onResponse', (request, reply, done) => {
    const method = METHODS.has(request.method) ? request.method : 'OTHER';
    const route = request.routeOptions?.url ?? 'unmatched';
    const statusClass = `${Math.floor(reply.statusCode / 100)}xx`;
    histogram.observe({ method, route, status_class: statusClass }, reply.elapsedTime / 1000);
    done();
  });
}
