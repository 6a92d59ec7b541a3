export { PositionsModule } from './positions.module.js';
