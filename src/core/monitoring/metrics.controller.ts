import { Controller, Get, Inject, NotFoundException, Res } from '@nestjs/common';
import type { ConfigType } from '@nestjs/config';
import { PrometheusController } from '@willsoto/nestjs-prometheus';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Public } from '../common/index.js';
import { monitoringConfig } from '../config/index.js';

/** Prometheus exposition; 404 when METRICS_ENABLED=false. */
@ApiTags('monitoring')
@Controller()
@Public()
export class MetricsController extends PrometheusController {
  constructor(@Inject(monitoringConfig.KEY) private readonly config: ConfigType<typeof monitoringConfig>) {
    super();
  }

  @Get()
  @ApiOperation({ summary: 'Prometheus exposition (404 with METRICS_ENABLED=false)' })
  @ApiProduces('text/plain')
  @ApiOkResponse({ schema: { type: 'string' }, description: 'Prometheus text format 0.0.4' })
  override async index(@Res({ passthrough: true }) response: FastifyReply): Promise<string> {
    if (!this.config.metricsEnabled) throw new NotFoundException();
    return super.index(response);
  }
}
