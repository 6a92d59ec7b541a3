import { IsIn, IsNumber, IsPositive, IsString, Matches, ValidateIf } from 'class-validator';
import type { OrderSide, OrderType } from './order.model.js';

export class CreateOrderDto {
  /** The client's idempotency key: the same key twice is the same order. */
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, { message: 'clientOrderId must be 1-64 characters of letters, digits, ".", "_", ":" or "-"' })
  clientOrderId: string;

  @IsString()
  @Matches(/^[A-Za-z][A-Za-z0-9.-]{0,11}$/, { message: 'symbol must be a ticker such as AAPL' })
  symbol: string;

  @IsIn(['buy', 'sell'])
  side: OrderSide;

  @IsIn(['market', 'limit'])
  type: OrderType;

  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 8 })
  @IsPositive()
  quantity: number;

  @ValidateIf((o: CreateOrderDto) => o.type === 'limit' || o.limitPrice !== undefined)
  @IsNumber({ allowNaN: false, allowInfinity: false, maxDecimalPlaces: 8 }, { message: 'limitPrice is required for a limit order and must be a number' })
  @IsPositive()
  limitPrice?: number;
}
