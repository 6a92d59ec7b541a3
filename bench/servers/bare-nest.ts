import 'reflect-metadata';
import { Controller, Get, Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { FastifyAdapter, type NestFastifyApplication } from '@nestjs/platform-fastify';

// A second reference point: the same route on a bare Nest app, to tell Nest's own cost from ours.
@Controller('health')
class LiveController {
  @Get('live')
  live(): { status: string } {
    return { status: 'up' };
  }
}

@Module({ controllers: [LiveController] })
class BareModule {}

const app = await NestFactory.create<NestFastifyApplication>(BareModule, new FastifyAdapter(), { logger: false });
await app.listen({ port: Number(process.argv[2]), host: '127.0.0.1' });
