import { Injectable, type OnModuleDestroy, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AvailabilityState } from './availability.state.js';
import { EventLoopWatch } from './event-loop.watch.js';

export const LIVENESS_PATH = '/health/live';

/**
 * GET /health/live, in Terminus's vocabulary (`ok`, `error`, `shutting_down`), registered on Fastify itself rather than
 * through a Nest controller:
 * probes hit it constantly, it checks no dependency, and it must keep answering whatever
 * guards or interceptors a team adds to its own routes. 503 while shutting down or when the
 * event loop has stalled past HEALTH_EVENT_LOOP_STALL_MS.
 */
@Injectable()
export class LivenessRoute implements OnModuleInit, OnModuleDestroy {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly availability: AvailabilityState,
    private readonly eventLoop: EventLoopWatch,
  ) {}

  onModuleInit(): void {
    this.eventLoop.start();
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const ok = { status: 'ok' } as const;
    // A response schema lets Fastify serialize with a compiled function instead of JSON.stringify.
    const schema = {
      response: {
        '2xx': { type: 'object', properties: { status: { type: 'string' } } },
        '5xx': {
          type: 'object',
          properties: { status: { type: 'string' }, reason: { type: 'string' }, lagMs: { type: 'number' } },
        },
      },
    };
    fastify.get(LIVENESS_PATH, { schema }, (_request, reply) => {
      if (this.availability.isShuttingDown) return reply.status(503).send({ status: 'shutting_down' });
      if (this.eventLoop.isStalled())
        return reply
          .status(503)
          .send({ status: 'error', reason: 'event loop stalled', lagMs: Math.round(this.eventLoop.lagMs) });
      return reply.send(ok);
    });
  }

  onModuleDestroy(): void {
    this.eventLoop.stop();
  }
}
