import { IsIn, IsString, Matches, ValidateIf } from 'class-validator';
import { IsAmount } from './amount.validator.js';
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

  @IsAmount()
  quantity: number;

  @ValidateIf((o: CreateOrderDto) => o.type === 'limit' || o.limitPrice !== undefined)
  @IsAmount({ message: 'limitPrice is required for a limit order: a number above 0 with at most 8 decimals' })
  limitPrice?: number;
}
