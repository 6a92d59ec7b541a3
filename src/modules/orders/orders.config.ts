import { IsDefined, IsString, MinLength, ValidateIf } from 'class-validator';
import { EnvVar, featureConfig } from '../../core/config/index.js';

/** The orders module's own variables (see docs/configuration.md, "A module's own config"). */
export class OrdersEnv {
  // Not declared here: read to make the key required in production only.
  NODE_ENV?: string;

  @EnvVar({
    group: 'orders',
    description:
      'HMAC key that signs list cursors; every instance needs the same (empty: random per process, development only)',
    secret: 'secret',
    example: 'change-me-to-32-random-bytes-base64',
  })
  @ValidateIf((env: OrdersEnv) => env.NODE_ENV === 'production' || env.ORDERS_CURSOR_KEY !== undefined)
  @IsDefined({ message: 'must be set in production: every instance must sign cursors alike' })
  @IsString()
  @MinLength(32)
  ORDERS_CURSOR_KEY?: string;
}

export const ordersConfig = featureConfig('orders', OrdersEnv, (env) => ({ cursorKey: env.ORDERS_CURSOR_KEY }));
