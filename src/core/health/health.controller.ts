import { Controller, Get, HttpCode, Res } from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { AvailabilityState } from './availability.state.js';

interface ReadyBody {
  status: 'up' | 'shutting_down';
}

@Controller('health')
export class HealthController {
  constructor(private readonly availability: AvailabilityState) {}

  // Replaced by the dependency-aware readiness of the health issue; until then it only knows shutdown.
  @Get('ready')
  @HttpCode(200)
  ready(@Res({ passthrough: true }) reply: FastifyReply): ReadyBody {
    if (!this.availability.isShuttingDown) return { status: 'up' };
    void reply.status(503);
    return { status: 'shutting_down' };
  }
}
