import {
  IsDefined,
  IsInt,
  IsNumber,
  IsOptional,
  IsPositive,
  IsString,
  Max,
  Min,
  MinLength,
  ValidateIf,
} from 'class-validator';
import { EnvVar, featureConfig, profileOf, ToInt, ToNumber } from '../../core/config/index.js';

/** The orders module's own variables (see docs/configuration.md, "A module's own config"). */
export class OrdersEnv {
  @EnvVar({
    group: 'orders',
    description:
      'HMAC key that signs list cursors; every instance needs the same (empty: random per process, development only)',
    secret: 'secret',
    example: 'change-me-to-32-random-bytes-base64',
  })
  @ValidateIf((env: OrdersEnv) => profileOf(env).isProduction || env.ORDERS_CURSOR_KEY !== undefined)
  @IsDefined({ message: 'must be set in production: every instance must sign cursors alike' })
  @IsString()
  @MinLength(32)
  ORDERS_CURSOR_KEY?: string;

  @EnvVar({ group: 'orders', description: 'Largest order notional (quantity x price)', example: '1000000' })
  @ToNumber()
  @IsNumber()
  @IsPositive()
  TRADING_MAX_ORDER_NOTIONAL = 1_000_000;

  @EnvVar({
    group: 'orders',
    description:
      'Order writes (creates and cancels together) per subject (or address) per minute; 0 = off (empty: 120 in production, off otherwise)',
    example: '',
    hint: '120',
  })
  @IsOptional()
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(1_000_000)
  RATE_LIMIT_ORDERS_PER_MINUTE?: number;
}

export const ordersConfig = featureConfig('orders', OrdersEnv, (env, profile) => ({
  cursorKey: env.ORDERS_CURSOR_KEY,
  maxOrderNotional: env.TRADING_MAX_ORDER_NOTIONAL,
  /** Order writes (creates and cancels together) per subject per minute; 0 = off. */
  writesPerMinute: env.RATE_LIMIT_ORDERS_PER_MINUTE ?? (profile.isProduction ? 120 : 0),
}));
