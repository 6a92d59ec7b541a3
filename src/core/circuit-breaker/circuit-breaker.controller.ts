import { Controller, Get, HttpCode, Logger, Param, Post, Req, UseGuards } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { AppError, ErrorCode, Public } from '../common/index.js';
import type { CircuitBreaker } from './circuit-breaker.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import { OperatorTokenGuard } from './operator-token.guard.js';

type Action = 'force-open' | 'disable' | 'reset';

function view(breaker: CircuitBreaker) {
  return { name: breaker.name, state: breaker.state, retryAfterMs: breaker.retryAfterMs(), ...breaker.metrics(), counters: breaker.counters, recentErrors: breaker.history() };
}

/** Operator control of the breakers; every use is logged with the request id. */
@Controller('admin/circuit-breakers')
@Public()
@UseGuards(OperatorTokenGuard)
export class CircuitBreakerController {
  private readonly logger = new Logger('CircuitBreakerAdmin');

  constructor(private readonly registry: CircuitBreakerRegistry) {}

  @Get()
  list() {
    return { breakers: this.registry.all().map(view) };
  }

  @Get(':name')
  one(@Param('name') name: string) {
    return view(this.breaker(name));
  }

  @Post(':name/:action')
  @HttpCode(200)
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
