import 'reflect-metadata';
import { ValidationPipe } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { PeerModule } from './peer.module.js';

// THE STOCK NEST PEER: the orders service a competent team writes from the Nest docs, as a
// reference for issue 18 ("faster than the service a team would write itself"). Same API as ours
// (POST /orders idempotent on clientOrderId, 201 new / 200 repeated / 409 reused with other terms,
// GET /orders/:id, /health/live, /metrics) and the same validation rules (our CreateOrderDto under a
// global ValidationPipe with whitelist, forbidNonWhitelisted and transform, as our app configures its
// own pipe), built the way the docs show: Nest 12 on Fastify, TypeOrmModule + a repository on
// Postgres, CacheModule.registerAsync on a Keyv Redis store, Terminus, nestjs-prometheus.
//
// What it deliberately lacks (what our app adds): no journal (Postgres down = every write fails), no
// failover of Postgres or Redis, no timeouts beyond the libraries' defaults (Redis down = cache calls
// hang, as measured in the stack notes), no circuit breakers, no readiness that tells degraded from down, no
// request-scoped logs, no auth, no rate limit, no domain checks beyond the DTO (symbol list,
// notional), no cache invalidation on write (a create never replaces an order). Nor any of our speed
// work: it runs from tsc's output (`nest build` + `node dist/main.js`), not bundled, and uses the
// stock validation pipe and query builder.
//
//   node stock-peer.main.js <port> <postgres url> <pool size> <redis url>
const [port, databaseUrl, poolSize, redisUrl] = process.argv.slice(2);
if (!port || !databaseUrl || !redisUrl) {
  console.error('usage: stock-peer.main.js <port> <postgres url> <pool size> <redis url>');
  process.exit(2);
}

const app = await NestFactory.create<NestFastifyApplication>(
  PeerModule.forRoot({ databaseUrl, poolSize: Number(poolSize ?? 10), redisUrl }),
  new FastifyAdapter(),
  { logger: ['error', 'warn'] },
);
app.useGlobalPipes(new ValidationPipe({ whitelist: true, forbidNonWhitelisted: true, transform: true }));
app.enableShutdownHooks();
await app.listen({ port: Number(port), host: '127.0.0.1' });
