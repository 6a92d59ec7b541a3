export { AuthModule } from './auth.module.js';
export { AuthGuard } from './auth.guard.js';
export { CurrentPrincipal, RequireScopes } from './auth.decorators.js';
export { Public } from '../common/index.js';
export { SCOPES, hasScope, isAdmin, type Principal } from './auth.types.js';
export { MAX_SUBJECT_LENGTH } from './auth.constants.js';
export { authConfig, AuthEnv } from './auth.config.js';
