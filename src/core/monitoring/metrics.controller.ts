import { Controller, Get, Inject, NotFoundException, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { AppError, ErrorCode, Public } from '../common/index.js';
import { monitoringConfig } from './monitoring.config.js';
import { detailsAccess, healthConfig } from '../health/index.js';

/**
 * Prometheus exposition; 404 when METRICS_ENABLED=false. Production without a management port asks
 * for the health details token (METRICS_TOKEN_REQUIRED): a scrape costs milliseconds of CPU, so an
 * open /metrics on a public port is a way to pin a core.
 */
@ApiTags('monitoring')
@Controller()
@Public()
export class MetricsController extends PrometheusController {
  constructor(
    @Inject(monitoringConfig.KEY) private readonly config: ConfigType<typeof monitoringConfig>,
    @Inject(healthConfig.KEY) private readonly health: ConfigType<typeof healthConfig>,
  ) {
    super();
  }

  @Get()
  @ApiOperation({ summary: 'Prometheus exposition (404 with METRICS_ENABLED=false)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'Prometheus text format 0.0.4' })
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    if (!this.config.metricsEnabled) throw new NotFoundException();
    // Read from the request rather than a @Headers() parameter, which the document would declare required.
    const authorization = response.request.headers.authorization;
    if (this.config.metricsTokenRequired && detailsAccess(authorization, this.health.detailsToken) !== 'granted')
      throw new AppError(ErrorCode.UNAUTHORIZED, '/metrics needs Authorization: Bearer <HEALTH_DETAILS_TOKEN> here');
    return super.index(response);
  }
}
