import { randomUUID } from 'node:crypto';
import { CACHE_MANAGER, type Cache } from '@nestjs/cache-manager';
import { ConflictException, Inject, Injectable, NotFoundException } from '@nestjs/common';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import type { CreateOrderDto } from '../../../src/modules/orders/create-order.dto.js';
import { OrderEntity } from '../../../src/modules/orders/order.entity.js';

const CACHE_TTL_MS = 30_000;

/** The orders service of the docs: a repository, and cache-aside through the cache manager. */
@Injectable()
export class PeerOrdersService {
  constructor(
    @InjectRepository(OrderEntity) private readonly orders: Repository<OrderEntity>,
    @Inject(CACHE_MANAGER) private readonly cache: Cache,
  ) {}

  /** Idempotent on clientOrderId: INSERT ... ON CONFLICT DO NOTHING, then the stored row on a conflict. */
  async create(dto: CreateOrderDto): Promise<{ order: OrderEntity; created: boolean }> {
    const order = this.orders.create({
      id: randomUUID(),
      clientOrderId: dto.clientOrderId,
      symbol: dto.symbol.toUpperCase(),
      side: dto.side,
      type: dto.type,
      quantity: dto.quantity,
      limitPrice: dto.limitPrice ?? null,
      status: 'new',
      createdAt: new Date().toISOString(),
      owner: 'anonymous',
    });
    const result = await this.orders.createQueryBuilder().insert().values(order).orIgnore().returning('id').execute();
    if ((result.raw as unknown[]).length > 0) return { order, created: true };
    const existing = await this.orders.findOneByOrFail({ clientOrderId: dto.clientOrderId });
    const same =
      existing.symbol === order.symbol &&
      existing.side === order.side &&
      existing.type === order.type &&
      existing.quantity === order.quantity &&
      existing.limitPrice === order.limitPrice;
    if (!same) throw new ConflictException(`clientOrderId ${dto.clientOrderId} is already used with different terms`);
    return { order: existing, created: false };
  }

  async get(id: string): Promise<OrderEntity> {
    const key = `order:${id}`;
    const cached = await this.cache.get<OrderEntity>(key);
    if (cached) return cached;
    const order = await this.orders.findOneBy({ id });
    if (!order) throw new NotFoundException(`order ${id} not found`);
    await this.cache.set(key, order, CACHE_TTL_MS);
    return order;
  }
}
