import { Module } from '@nestjs/common';
import { HealthModule } from '../health/index.js';
import { DatabaseService } from './database.service.js';

@Module({
  imports: [HealthModule],
  providers: [DatabaseService],
  exports: [DatabaseService],
})
export class DatabaseModule {}
