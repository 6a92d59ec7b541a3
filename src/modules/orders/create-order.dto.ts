import { ApiProperty, ApiPropertyOptional, type ApiPropertyOptions } from '@nestjs/swagger';
import { IsIn, IsString, Matches, ValidateIf } from 'class-validator';
import { IsAmount } from './amount.validator.js';
import type { OrderSide, OrderType } from './order.model.js';
import { TICKER, TICKER_MAX_LENGTH, TICKER_PATTERN } from './ticker.js';

export class CreateOrderDto {
  /** The client's idempotency key: the same key twice is the same order. */
  @ApiProperty({
    pattern: '^[A-Za-z0-9._:-]{1,64}$',
    minLength: 1,
    maxLength: 64,
    example: 'c-20261129-0001',
    description: "The client's idempotency key: the same key twice is the same order",
  })
  @IsString()
  @Matches(/^[A-Za-z0-9._:-]{1,64}$/, {
    message: 'clientOrderId must be 1-64 characters of letters, digits, ".", "_", ":" or "-"',
  })
  clientOrderId: string;

  @ApiProperty({
    pattern: TICKER_PATTERN,
    maxLength: TICKER_MAX_LENGTH,
    example: 'AAPL',
    description: 'One of TRADING_SYMBOLS',
  })
  @IsString()
  @Matches(TICKER, { message: 'symbol must be a ticker such as AAPL' })
  symbol: string;

  @ApiProperty({ enum: ['buy', 'sell'] })
  @IsIn(['buy', 'sell'])
  side: OrderSide;

  @ApiProperty({ enum: ['market', 'limit'], example: 'limit', description: 'A limit order needs `limitPrice`' })
  @IsIn(['market', 'limit'])
  type: OrderType;

  @ApiProperty({
    exclusiveMinimum: true,
    minimum: 0,
    maximum: 1_000_000_000,
    'x-max-decimals': 8,
    example: 10,
    description: 'Above 0, at most 1,000,000,000, with at most 8 decimals (`x-max-decimals`) in any JSON form',
  } as ApiPropertyOptions)
  @IsAmount()
  quantity: number;

  @ApiPropertyOptional({
    exclusiveMinimum: true,
    minimum: 0,
    maximum: 1_000_000_000,
    'x-max-decimals': 8,
    example: 187.25,
    description:
      'Required for a limit order, refused for a market order; above 0, at most 1,000,000,000, with at most 8 decimals',
  } as ApiPropertyOptions)
  @ValidateIf((o: CreateOrderDto) => o.type === 'limit' || o.limitPrice !== undefined)
  @IsAmount({ message: 'limitPrice is required for a limit order: a number above 0 with at most 8 decimals' })
  limitPrice?: number;
}
