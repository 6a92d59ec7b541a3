import { Module } from '@nestjs/common';
import { LoadShedder } from './load-shedder.js';

/** Adaptive concurrency limiting at intake; the request pipeline applies it (see docs/overload.md). */
@Module({ providers: [LoadShedder], exports: [LoadShedder] })
export class LoadSheddingModule {}
