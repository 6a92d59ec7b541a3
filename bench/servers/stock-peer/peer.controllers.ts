import { Body, Controller, Get, Param, ParseUUIDPipe, Post, Res } from '@nestjs/common';
import { HealthCheck, HealthCheckService } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { CreateOrderDto } from '../../../src/modules/orders/create-order.dto.js';
import type { OrderEntity } from '../../../src/modules/orders/order.entity.js';
import { PeerOrdersService } from './peer-orders.service.js';

@Controller('orders')
export class OrdersController {
  constructor(private readonly orders: PeerOrdersService) {}

  /** 201 with a new order, 200 with the stored one for a repeated clientOrderId (as ours). */
  @Post()
  async create(@Body() dto: CreateOrderDto, @Res({ passthrough: true }) reply: FastifyReply): Promise<OrderEntity> {
    const { order, created } = await this.orders.create(dto);
    if (!created) void reply.status(200);
    return order;
  }

  @Get(':id')
  get(@Param('id', new ParseUUIDPipe()) id: string): Promise<OrderEntity> {
    return this.orders.get(id);
  }
}

@Controller('health')
export class HealthController {
  constructor(private readonly health: HealthCheckService) {}

  @Get('live')
  @HealthCheck()
  live() {
    return this.health.check([]);
  }
}
