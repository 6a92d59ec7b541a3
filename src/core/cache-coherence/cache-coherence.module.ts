import { Module } from '@nestjs/common';
import { CacheModule } from '../cache/index.js';
import { DatabaseModule } from '../database/index.js';
import { CacheCoherence } from './cache-coherence.js';

/** Relays cache deletes between the instances of a fleet through Postgres (see CacheCoherence). */
@Module({
  imports: [DatabaseModule, CacheModule],
  providers: [CacheCoherence],
})
export class CacheCoherenceModule {}
