import { createKeyv } from '@keyv/redis';
import { CacheModule } from '@nestjs/cache-manager';
import { type DynamicModule, Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { TypeOrmModule } from '@nestjs/typeorm';
import { PrometheusModule } from '@willsoto/nestjs-prometheus';
import { OrderEntity } from '../../../src/modules/orders/order.entity.js';
import { HealthController, OrdersController } from './peer.controllers.js';
import { PeerOrdersService } from './peer-orders.service.js';

export interface PeerOptions {
  databaseUrl: string;
  poolSize: number;
  redisUrl: string;
}

/**
 * The peer's one module, as the docs lay it out. The `orders` table is the one our app's migrations
 * create (the bench starts our app first on the same Postgres), so `synchronize` stays off.
 */
@Module({})
export class PeerModule {
  static forRoot(options: PeerOptions): DynamicModule {
    return {
      module: PeerModule,
      imports: [
        TypeOrmModule.forRoot({
          type: 'postgres',
          url: options.databaseUrl,
          entities: [OrderEntity],
          synchronize: false,
          poolSize: options.poolSize,
        }),
        TypeOrmModule.forFeature([OrderEntity]),
        CacheModule.registerAsync({
          useFactory: () => ({ stores: [createKeyv(options.redisUrl)] }),
        }),
        TerminusModule,
        PrometheusModule.register(),
      ],
      controllers: [OrdersController, HealthController],
      providers: [PeerOrdersService],
    };
  }
}
