import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { FastifyReply } from 'fastify';
import { AppError, ErrorCode } from '../common/index.js';
import { healthConfig } from '../config/index.js';
import { AvailabilityState } from './availability.state.js';
import { detailsAccess } from './details-access.js';
import { httpStatusFor } from './health.aggregator.js';
import { HealthService } from './health.service.js';
import type { HealthReport, HealthStatus } from './health.types.js';

type PublicReport = { status: HealthStatus | 'shutting_down'; score?: number; components: Record<string, { status: HealthStatus }> };

function statusesOnly(report: HealthReport): PublicReport {
  const components = Object.fromEntries(Object.entries(report.components).map(([name, c]) => [name, { status: c.status }]));
  return { status: report.status, score: report.score, components };
}

@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly availability: AvailabilityState,
    @Inject(healthConfig.KEY) private readonly config: ConfigType<typeof healthConfig>,
  ) {}

  /** Critical dependencies only; 503 when one is down or shutdown has begun, 200 when only degraded. */
  @Get('ready')
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<PublicReport> {
    if (this.availability.isShuttingDown) {
      void reply.status(503);
      return { status: 'shutting_down', components: {} };
    }
    const report = await this.health.readiness();
    void reply.status(httpStatusFor(report.status));
    const { score: _score, ...rest } = statusesOnly(report);
    return rest;
  }

  /** Every indicator and the overall score; details only for `Authorization: Bearer <HEALTH_DETAILS_TOKEN>`. */
  @Get()
  async all(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply): Promise<PublicReport | HealthReport> {
    const access = detailsAccess(authorization, this.config.detailsToken);
    if (access === 'denied') throw new AppError(ErrorCode.UNAUTHORIZED, 'invalid health details token');
    const report = await this.health.details();
    void reply.status(httpStatusFor(report.status));
    return access === 'granted' ? report : statusesOnly(report);
  }
}
