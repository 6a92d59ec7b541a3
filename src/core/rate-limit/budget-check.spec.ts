import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { Controller, Get, Post, UseGuards } from '@nestjs/common';
import { IsInt } from 'class-validator';
import { EnvVar, featureConfig, ToInt } from '../config/index.js';
import { routesWithoutBudget } from './budget-check.js';
import { RateBudget, SubjectThrottlerGuard } from './subject-throttler.guard.js';

class WidgetsEnv {
  @EnvVar({ group: 'widgets', description: 'Widget writes per minute', example: '5' })
  @ToInt()
  @IsInt()
  WIDGET_WRITES_PER_MINUTE = 5;
}
const widgetsConfig = featureConfig('widgets', WidgetsEnv, (e) => ({ perMinute: e.WIDGET_WRITES_PER_MINUTE }));

describe(routesWithoutBudget.name, () => {
  it('names the throttled routes that draw on no budget, and only those', () => {
    @Controller('widgets')
    class WidgetsController {
      @Post()
      @UseGuards(SubjectThrottlerGuard)
      @RateBudget('widgets', widgetsConfig, (c) => c.perMinute)
      create() {}

      @Post('forgotten')
      @UseGuards(SubjectThrottlerGuard)
      forgotten() {}

      @Get()
      list() {}
    }

    @Controller('gadgets')
    @UseGuards(SubjectThrottlerGuard)
    @RateBudget('gadgets', widgetsConfig, (c) => c.perMinute)
    class GadgetsController {
      @Post()
      create() {}
    }

    assert.deepEqual(routesWithoutBudget([WidgetsController, GadgetsController]), ['WidgetsController.forgotten']);
  });
});
