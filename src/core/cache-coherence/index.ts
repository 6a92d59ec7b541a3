export { CacheCoherenceModule } from './cache-coherence.module.js';
