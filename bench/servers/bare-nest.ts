import 'reflect-metadata';
import {
  Controller,
  Get,
  Inject,
  Module,
  NotFoundException,
  Param,
  ParseUUIDPipe,
  type Provider,
} from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';
import { createClient } from '@redis/client';

// A second reference point: the same job on a bare Nest app, to tell Nest's own cost from ours.
//   <port>                          GET /health/live
//   <port> redis <url> <key>        also GET /orders/:id: one GET on the raw node-redis client, the
//                                   JSON parsed and returned through Nest (a UUID pipe on the id)
const [port, mode, url, key] = process.argv.slice(2);
const REDIS = 'REDIS';

@Controller('health')
class LiveController {
  @Get('live')
  live(): { status: string } {
    return { status: 'up' };
  }
}

type Redis = ReturnType<typeof createClient>;

@Controller('orders')
class OrdersController {
  constructor(@Inject(REDIS) private readonly redis: Redis) {}

  @Get(':id')
  async get(@Param('id', new ParseUUIDPipe()) _id: string): Promise<unknown> {
    const text = await this.redis.get(key);
    if (text === null) throw new NotFoundException();
    return JSON.parse(text);
  }
}

const providers: Provider[] = [];
const controllers: Array<new (...args: never[]) => unknown> = [LiveController];
if (mode === 'redis') {
  const redis = createClient({ url });
  await redis.connect();
  providers.push({ provide: REDIS, useValue: redis });
  controllers.push(OrdersController);
}

@Module({ controllers, providers })
class BareModule {}

const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
await app.listen({ port: Number(port), host: '127.0.0.1' });
