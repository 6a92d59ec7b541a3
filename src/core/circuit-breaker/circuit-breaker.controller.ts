import { Controller, Get, HttpCode, Logger, Param, Post, Req, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiParam, ApiProperty, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { ApiErrors, AppError, ErrorCode, Public } from '../common/index.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import { OperatorTokenGuard } from './operator-token.guard.js';

// No example: the core knows no module's breakers, and a made-up name would answer 404.
const BREAKER_NAME = 'The name a module gave its breaker (GET /admin/circuit-breakers lists them)';

type Action = 'force-open' | 'disable' | 'reset';

function view(breaker: CircuitBreaker) {
  return {
    name: breaker.name,
    state: breaker.state,
    retryAfterMs: breaker.retryAfterMs(),
    ...breaker.metrics(),
    counters: breaker.counters,
    recentErrors: breaker.history(),
  };
}

class BreakerResponse {
  @ApiProperty() name: string;
  @ApiProperty({ enum: ['CLOSED', 'OPEN', 'HALF_OPEN', 'DISABLED', 'FORCED_OPEN'] }) state: string;
  @ApiProperty() retryAfterMs: number;
  @ApiProperty() calls: number;
  @ApiProperty() failureRate: number;
  @ApiProperty() slowCallRate: number;
  @ApiProperty({ type: 'object', additionalProperties: { type: 'integer' } }) counters: Record<string, number>;
  @ApiProperty({ type: 'array', items: { type: 'object', additionalProperties: true } }) recentErrors: unknown[];
}

class BreakerListResponse {
  @ApiProperty({ type: [BreakerResponse] }) breakers: BreakerResponse[];
}

/** Operator control of the breakers; every use is logged with the request id. */
@ApiTags('admin')
@ApiBearerAuth()
@ApiErrors(401, 403)
@Controller('admin/circuit-breakers')
@Public()
@UseGuards(OperatorTokenGuard)
export class CircuitBreakerController {
  private readonly logger = new Logger('CircuitBreakerAdmin');

  constructor(private readonly registry: CircuitBreakerRegistry) {}

  @Get()
  @ApiOperation({ summary: 'Every breaker, its state and window (HEALTH_DETAILS_TOKEN, or a JWT with `admin`)' })
  @ApiOkResponse({ type: BreakerListResponse })
  list() {
    return { breakers: this.registry.all().map(view) };
  }

  @Get(':name')
  @ApiOperation({ summary: 'One breaker' })
  @ApiParam({ name: 'name', description: BREAKER_NAME })
  @ApiOkResponse({ type: BreakerResponse })
  @ApiErrors(404)
  one(@Param('name') name: string) {
    return view(this.breaker(name));
  }

  @Post(':name/:action')
  @HttpCode(200)
  @ApiOperation({ summary: 'Force a breaker open, disable it, or reset it (logged with the request id)' })
  @ApiParam({ name: 'name', description: BREAKER_NAME })
  @ApiParam({ name: 'action', enum: ['force-open', 'disable', 'reset'] })
  @ApiOkResponse({ type: BreakerResponse })
  @ApiErrors(400, 404)
  act(@Param('name') name: string, @Param('action') action: string, @Req() request: FastifyRequest) {
    const breaker = this.breaker(name);
    const cause = `${action} by an operator (request ${String(request.id)} from ${request.ip})`;
    switch (action as Action) {
      case 'force-open':
        breaker.forceOpen(cause);
        break;
      case 'disable':
        breaker.disable(cause);
        break;
      case 'reset':
        breaker.reset(cause);
        break;
      default:
        throw new AppError(ErrorCode.VALIDATION_FAILED, `unknown action "${action}": use force-open, disable or reset`);
    }
    this.logger.warn(`operator: ${name} ${action} [requestId=${String(request.id)}, ip=${request.ip}]`);
    return view(breaker);
  }

  private breaker(name: string): CircuitBreaker {
    const breaker = this.registry.find(name);
    if (!breaker) throw new AppError(ErrorCode.NOT_FOUND, `no circuit breaker named "${name}"`);
    return breaker;
  }
}
