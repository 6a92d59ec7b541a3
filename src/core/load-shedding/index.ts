export { LoadSheddingModule } from './load-shedding.module.js';
export { LoadShedder } from './load-shedder.js';
export { GradientLimit, type GradientLimitOptions, type LimitClock } from './gradient-limit.js';
export { isSheddable } from './load-shedding.policy.js';
export { SHEDDABLE } from './load-shedding.constants.js';
export { loadSheddingConfig, LoadSheddingEnv } from './load-shedding.config.js';
