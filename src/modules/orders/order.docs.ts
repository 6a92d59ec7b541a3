import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { OrderPage } from './order-cursor.js';
import type { Order, OrderSide, OrderStatus, OrderType } from './order.model.js';

/** An order as the API answers it (OpenAPI only: the code uses the Order type). */
/**
 * The same shape as a JSON schema for Fastify's response serializer (`@RouteSchema`): an order is
 * written by a compiled function instead of JSON.stringify, on the hottest routes.
 */
export const ORDER_JSON_SCHEMA = {
  type: 'object',
  properties: {
    id: { type: 'string' },
    clientOrderId: { type: 'string' },
    symbol: { type: 'string' },
    side: { type: 'string' },
    type: { type: 'string' },
    quantity: { type: 'number' },
    limitPrice: { type: ['number', 'null'] },
    status: { type: 'string' },
    createdAt: { type: 'string' },
    owner: { type: 'string' },
  },
  required: ['id', 'clientOrderId', 'symbol', 'side', 'type', 'quantity', 'limitPrice', 'status', 'createdAt', 'owner'],
} as const satisfies { type: 'object'; properties: Record<keyof Order, unknown>; required: readonly (keyof Order)[] };

export class OrderResponse implements Order {
  @ApiProperty({ format: 'uuid', description: 'Follows from clientOrderId: a retried request names the same order' })
  id: string;

  @ApiProperty({ example: 'c-20261129-0001' })
  clientOrderId: string;

  @ApiProperty({ example: 'AAPL' })
  symbol: string;

  @ApiProperty({ enum: ['buy', 'sell'] })
  side: OrderSide;

  @ApiProperty({ enum: ['market', 'limit'] })
  type: OrderType;

  @ApiProperty({ example: 10 })
  quantity: number;

  @ApiProperty({ type: Number, nullable: true, example: 187.25 })
  limitPrice: number | null;

  @ApiProperty({
    enum: ['accepted', 'new', 'cancelled'],
    description: '`accepted`: journaled while Postgres had no writer, stored when it returns',
  })
  status: OrderStatus;

  @ApiProperty({ format: 'date-time' })
  createdAt: string;

  @ApiProperty({ description: 'The subject (`sub`) that created it' })
  owner: string;
}

export class OrderPageResponse implements OrderPage {
  @ApiProperty({ type: [OrderResponse] })
  orders: OrderResponse[];

  @ApiPropertyOptional({
    type: String,
    nullable: true,
    description: 'Pass as `cursor` for the next page; null on the last one',
  })
  nextCursor: string | null;
}

/** What the orders routes promise, in the API description's own words (src/app.factory.ts). */
export const ORDERS_API_NOTES = [
  'Writes are idempotent: `POST /orders` on `clientOrderId`, cancels on the order id.',
  'Amounts (`quantity`, `limitPrice`) have at most 8 decimals (`x-max-decimals`), whatever their JSON form.',
];
