import { Module } from '@nestjs/common';
import { TypeOrmModule } from '@nestjs/typeorm';
import { DatabaseModule } from '../../core/database/index.js';
import { EventsModule } from '../../core/events/index.js';
import { CreateOrderPositions1733200000002 } from './migrations/1733200000002-create-order-positions.js';
import { PositionEntity } from './position.entity.js';
import { PositionsController } from './positions.controller.js';
import { PositionsProjector } from './positions.projector.js';

/**
 * Example consumer module: a projection fed by order events through the events module's inbox
 * (each event applied once, in order per order), read with a plain TypeORM repository.
 */
@Module({
  imports: [
    TypeOrmModule.forFeature([PositionEntity]),
    DatabaseModule.forFeature({ migrations: [CreateOrderPositions1733200000002] }),
    EventsModule.forConsumer({ name: 'positions', families: ['order'], handler: PositionsProjector }),
  ],
  controllers: [PositionsController],
})
export class PositionsModule {}
