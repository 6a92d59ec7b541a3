import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { circuitBreakerConfig } from './circuit-breaker.config.js';
import { DiscoveryModule } from '@nestjs/core';
import { AuthModule } from '../auth/index.js';
import { HealthModule } from '../health/index.js';
import { CircuitBreakerController } from './circuit-breaker.controller.js';
import { CircuitBreakerExplorer } from './circuit-breaker.explorer.js';
import { CircuitBreakerRegistry } from './circuit-breaker.registry.js';
import { OperatorTokenGuard } from './operator-token.guard.js';

@Module({
  imports: [ConfigModule.forFeature(circuitBreakerConfig), DiscoveryModule, HealthModule, AuthModule],
  controllers: [CircuitBreakerController],
  providers: [CircuitBreakerRegistry, CircuitBreakerExplorer, OperatorTokenGuard],
  exports: [CircuitBreakerRegistry],
})
export class CircuitBreakerModule {}
