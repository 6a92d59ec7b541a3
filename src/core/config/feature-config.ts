import { registerAs } from '@nestjs/config';
import { featureEnvironment } from './environment.holder.js';

export type ConfigSchema<T extends object = object> = new () => T;

/**
 * The class-validator schemas that feature modules declare, collected when their files are
 * imported, before AppConfigModule.forRoot() validates the environment: each one is validated in
 * the same pass as the core's and reported in the same all-at-once message.
 */
export class ConfigSchemas {
  private static readonly schemas = new Set<ConfigSchema>();

  static add(schema: ConfigSchema): void {
    this.schemas.add(schema);
  }

  static all(): ConfigSchema[] {
    return [...this.schemas];
  }
}

/**
 * A feature module's own configuration: a class of variables declared with `@EnvVar` and
 * class-validator rules, and a `registerAs` namespace built from it once validated. The variables
 * get what the core's get: validation at boot, `ENC(...)`, secret masking, `.env.example`.
 *
 * ```ts
 * class PositionsEnv {
 *   @EnvVar({ group: 'Positions', description: 'Open positions per account' })
 *   @ToInt() @IsInt() @Min(1)
 *   POSITIONS_MAX_OPEN = 100;
 * }
 * export const positionsConfig = featureConfig('positions', PositionsEnv, (env) => ({ maxOpen: env.POSITIONS_MAX_OPEN
 * }));
 * // inject with @Inject(positionsConfig.KEY) config: ConfigType<typeof positionsConfig>
 * ```
 */
export function featureConfig<T extends object, R extends object>(
  namespace: string,
  schema: ConfigSchema<T>,
  build: (env: T) => R,
) {
  ConfigSchemas.add(schema);
  return registerAs(namespace, () => build(featureEnvironment(schema)));
}
