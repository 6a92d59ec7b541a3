import { Controller, Get, Headers, Inject, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import type { HealthCheckResult } from '@nestjs/terminus';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../common/index.js';
import { HealthCheckResponse } from './health.docs.js';
import type { FastifyReply } from 'fastify';
import { AppError, ErrorCode, Public } from '../common/index.js';
import { healthConfig } from './health.config.js';
import { AvailabilityState } from './availability.state.js';
import { detailsAccess } from './details-access.js';
import { httpStatusFor } from './health.aggregator.js';
import { HealthService } from './health.service.js';
import type { HealthReport, HealthStatus } from './health.types.js';

type StatusOnly = Record<string, { status: HealthStatus }>;
type PublicReport = HealthCheckResult<StatusOnly> & { score?: number };

const statusesOf = (entries: HealthReport['details']): StatusOnly =>
  Object.fromEntries(Object.entries(entries).map(([name, c]) => [name, { status: c.status }]));

/** Terminus's shape with each entry reduced to its status: what anyone may see. */
function statusesOnly(report: HealthReport, withScore: boolean): PublicReport {
  const body: PublicReport = {
    status: report.status,
    info: statusesOf(report.info),
    error: statusesOf(report.error),
    details: statusesOf(report.details),
  };
  if (withScore) body.score = report.score;
  return body;
}

const SHUTTING_DOWN: PublicReport = { status: 'shutting_down', info: {}, error: {}, details: {} };

@ApiTags('health')
@Controller('health')
@Public()
export class HealthController {
  constructor(
    private readonly health: HealthService,
    private readonly availability: AvailabilityState,
    @Inject(healthConfig.KEY) private readonly config: ConfigType<typeof healthConfig>,
  ) {}

  /** Critical indicators only, statuses only; 503 when one is down or shutdown has begun, 200 when degraded. */
  @Get('ready')
  @ApiOperation({ summary: 'Readiness: critical indicators, statuses only' })
  @ApiOkResponse({
    type: HealthCheckResponse,
    description: '`ok`, or `degraded` when only non-critical indicators are down',
  })
  @ApiServiceUnavailableResponse({
    type: HealthCheckResponse,
    description: 'A critical indicator is down (`error`), or shutdown has begun (`shutting_down`)',
  })
  async ready(@Res({ passthrough: true }) reply: FastifyReply): Promise<PublicReport> {
    if (this.availability.isShuttingDown) {
      void reply.status(503);
      return SHUTTING_DOWN;
    }
    const report = await this.health.readiness();
    void reply.status(httpStatusFor(report.status));
    return statusesOnly(report, false);
  }

  /** Every indicator and the score; each indicator's data only for `Authorization: Bearer <HEALTH_DETAILS_TOKEN>`. */
  @Get()
  @ApiOperation({ summary: 'Every indicator and the score; their data with the details token' })
  @ApiBearerAuth()
  @ApiOkResponse({ type: HealthCheckResponse })
  @ApiServiceUnavailableResponse({
    type: HealthCheckResponse,
    description: 'A critical indicator is down, or shutdown has begun',
  })
  @ApiErrors(401)
  async all(
    @Headers('authorization') authorization: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<PublicReport | HealthReport> {
    const access = detailsAccess(authorization, this.config.detailsToken);
    if (access === 'denied') throw new AppError(ErrorCode.UNAUTHORIZED, 'invalid health details token');
    if (this.availability.isShuttingDown) {
      void reply.status(503);
      return SHUTTING_DOWN;
    }
    const report = await this.health.details();
    void reply.status(httpStatusFor(report.status));
    return access === 'granted' ? report : statusesOnly(report, true);
  }
}
