import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { loadSheddingConfig } from './load-shedding.config.js';
import { LoadShedder } from './load-shedder.js';

/** Adaptive concurrency limiting at intake; the request pipeline applies it (see docs/overload.md). */
@Module({
  imports: [ConfigModule.forFeature(loadSheddingConfig)],
  providers: [LoadShedder],
  exports: [LoadShedder],
})
export class LoadSheddingModule {}
