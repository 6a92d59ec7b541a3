import { Module } from '@nestjs/common';
import { CacheModule } from '../../core/cache/index.js';
import { DatabaseModule } from '../../core/database/index.js';
import { QuotesModule } from '../quotes/index.js';
import { OrdersController } from './orders.controller.js';
import { OrdersService } from './orders.service.js';

/**
 * Example domain module, the model for teams: a DTO validated at the edge, risk checks in the
 * service, storage through DatabaseService with a command handler and its own migrations.
 */
@Module({
  imports: [DatabaseModule, CacheModule, QuotesModule],
  controllers: [OrdersController],
  providers: [OrdersService],
  exports: [OrdersService],
})
export class OrdersModule {}
