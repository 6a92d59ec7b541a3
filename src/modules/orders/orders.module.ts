import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { TypeOrmModule } from '@nestjs/typeorm';
import { CacheModule } from '../../core/cache/index.js';
import { DatabaseModule } from '../../core/database/index.js';
import { RateLimitModule } from '../../core/rate-limit/index.js';
import { QuotesModule } from '../quotes/index.js';
import { CreateOrders1732900000000 } from './migrations/1732900000000-create-orders.js';
import { AddOrderOwner1732900000002 } from './migrations/1732900000002-add-order-owner.js';
import { ClientOrderIdPerOwner1732900000003 } from './migrations/1732900000003-client-order-id-per-owner.js';
import { OrderEntity } from './order.entity.js';
import { OrdersController } from './orders.controller.js';
import { OrderCursors } from './order-cursor.js';
import { OrderQueries } from './order.queries.js';
import { ordersConfig } from './orders.config.js';
import { OrdersService } from './orders.service.js';
import { cancelOrder, createOrder } from './orders.handlers.js';

/**
 * Example domain module, the model for teams: a DTO validated at the edge, risk checks in the
 * service, an entity and its migration, writes as journaled commands, reads through a repository.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([OrderEntity]),
    DatabaseModule.forFeature({
      migrations: [CreateOrders1732900000000, AddOrderOwner1732900000002, ClientOrderIdPerOwner1732900000003],
      commands: [createOrder, cancelOrder],
    }),
    ConfigModule.forFeature(ordersConfig),
    CacheModule,
    QuotesModule,
    RateLimitModule,
  ],
  controllers: [OrdersController],
  providers: [OrdersService, OrderQueries, OrderCursors],
  exports: [OrdersService, OrderQueries],
})
export class OrdersModule {}
