import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AvailabilityState } from './availability.state.js';

interface LiveBody {
  status: 'up' | 'shutting_down';
}

/** Liveness runs no dependency check: a dead database must not get the process restarted. */
@Controller('health')
export class HealthController {
  constructor(private readonly availability: AvailabilityState) {}

  @Get('live')
  @HttpCode(200)
  live(@Res({ passthrough: true }) reply: FastifyReply): LiveBody {
    return this.availabilityBody(reply);
  }

  // Replaced by the dependency-aware readiness of the health issue; until then it only knows shutdown.
  @Get('ready')
  @HttpCode(200)
  ready(@Res({ passthrough: true }) reply: FastifyReply): LiveBody {
    return this.availabilityBody(reply);
  }

  private availabilityBody(reply: FastifyReply): LiveBody {
    if (!this.availability.isShuttingDown) return { status: 'up' };
    void reply.status(503);
    return { status: 'shutting_down' };
  }
}
