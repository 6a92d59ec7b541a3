import { Injectable, type OnModuleInit } from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import type { FastifyInstance } from 'fastify';
import { AvailabilityState } from './availability.state.js';

export const LIVENESS_PATH = '/health/live';

/**
 * GET /health/live, registered on Fastify itself rather than through a Nest controller:
 * probes hit it constantly, it checks no dependency, and it must keep answering whatever
 * guards or interceptors a team adds to its own routes. It still passes through the
 * app's Fastify hooks (request id, in-flight count).
 */
@Injectable()
export class LivenessRoute implements OnModuleInit {
  constructor(
    private readonly adapterHost: HttpAdapterHost,
    private readonly availability: AvailabilityState,
  ) {}

  onModuleInit(): void {
    const fastify = this.adapterHost.httpAdapter.getInstance<FastifyInstance>();
    const up = { status: 'up' } as const;
    const down = { status: 'shutting_down' } as const;
    fastify.get(LIVENESS_PATH, async (_request, reply) => {
      if (!this.availability.isShuttingDown) return up;
      return reply.status(503).send(down);
    });
  }
}
