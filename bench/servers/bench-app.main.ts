import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { startServer } from '../../src/server.js';
import { HealthFixtureModule } from '../../test/fixtures/health-fixture.module.js';

// The full app plus a bare Nest route, so a case can compare a core route with the cheapest
// route the same app can serve.
@Controller('bench')
class BareController {
  @Get('bare')
  bare(): { status: string } {
    return { status: 'up' };
  }
}

@Module({ controllers: [BareController] })
class BenchModule {}

await startServer({ imports: [BenchModule, HealthFixtureModule] });
