import { CurrentPrincipal, type Principal, RequireScopes } from '../../core/auth/index.js';
import {
  Body,
  Controller,
  Get,
  HttpCode,
  Logger,
  Param,
  ParseUUIDPipe,
  Post,
  Query,
  Res,
  UseGuards,
} from '@nestjs/common';
import type { FastifyReply } from 'fastify';
import { RouteSchema } from '@nestjs/platform-fastify';
import { RateBudget, SubjectThrottlerGuard } from '../../core/rate-limit/index.js';
import {
  ApiCreatedResponse,
  ApiOkResponse,
  ApiOperation,
  ApiParam,
  ApiPropertyOptional,
  ApiTags,
} from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ApiErrors } from '../../core/common/index.js';
import { ORDER_JSON_SCHEMA, OrderPageResponse, OrderResponse } from './order.docs.js';

// Orders are serialized by Fastify's compiled serializer, not JSON.stringify.
const ORDER_ANSWER = RouteSchema({ response: { 200: ORDER_JSON_SCHEMA, 201: ORDER_JSON_SCHEMA } });
import { IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import { CreateOrderDto } from './create-order.dto.js';
import type { Order } from './order.model.js';
import type { OrderPage } from './order-cursor.js';
import { OrderQueries } from './order.queries.js';
import { TICKER, TICKER_MAX_LENGTH, TICKER_PATTERN } from './ticker.js';
import { type CreatedOrder, OrdersService } from './orders.service.js';
import { ordersConfig } from './orders.config.js';
import { ORDER_SCOPES } from './orders.scopes.js';

// Creates and cancels spend one budget per caller (RATE_LIMIT_ORDERS_PER_MINUTE); 'writes' keeps its counters' keys.
const ORDER_WRITES = RateBudget('writes', ordersConfig, (c) => c.writesPerMinute);

class ListOrdersQuery {
  @ApiPropertyOptional({ pattern: TICKER_PATTERN, maxLength: TICKER_MAX_LENGTH, example: 'AAPL' })
  @IsOptional()
  @Matches(TICKER)
  symbol?: string;

  @ApiPropertyOptional({ type: 'integer', minimum: 1, maximum: 500, default: 50 })
  @IsOptional()
  @Type(() => Number)
  @IsInt()
  @Min(1)
  @Max(500)
  limit?: number;

  @ApiPropertyOptional({ description: '`nextCursor` of the previous page (signed: a forged one is a 400)' })
  @IsOptional()
  @IsString()
  cursor?: string;
}

@ApiTags('orders')
@Controller('orders')
export class OrdersController {
  // Audit lines carry the request id through the request context, like every line of a request.
  private readonly audit = new Logger('Audit');

  constructor(
    private readonly orders: OrdersService,
    private readonly queries: OrderQueries,
  ) {}

  /**
   * 201 for a new order (status `new`, or `accepted` when journaled); 200 with the stored order for a repeated
   * clientOrderId.
   */
  @Post()
  @ApiOperation({ summary: 'Place an order (idempotent on clientOrderId)' })
  @ApiCreatedResponse({
    type: OrderResponse,
    description: 'A new order: `new`, or `accepted` when journaled while Postgres has no writer',
  })
  @ApiOkResponse({
    type: OrderResponse,
    description: 'The clientOrderId was already used with the same terms: the stored order',
  })
  @ApiErrors(400, 409, 413, 429)
  @RequireScopes(ORDER_SCOPES.write)
  @UseGuards(SubjectThrottlerGuard)
  @ORDER_WRITES
  @ORDER_ANSWER
  async create(
    @Body() dto: CreateOrderDto,
    @CurrentPrincipal() caller: Principal,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<CreatedOrder['order']> {
    const { order, created, journaled } = await this.orders.create(dto, caller);
    this.audit.log(
      `order ${order.id} ${created ? 'created' : 'repeated'}${journaled ? ' (journaled)' : ''} by ${caller.sub}`,
    );
    void reply.status(created ? 201 : 200);
    return order;
  }

  /** 200 with the cancelled order (or the journaled cancel); 404 for an unknown order. */
  @Post(':id/cancel')
  @HttpCode(200)
  @ApiOperation({ summary: 'Cancel an order (idempotent)' })
  @ApiParam({ name: 'id', format: 'uuid', example: '3f1c2a4e-8b7d-5e6f-9a0b-1c2d3e4f5a6b' })
  @ApiOkResponse({ type: OrderResponse })
  @ApiErrors(400, 404, 409, 429)
  @RequireScopes(ORDER_SCOPES.write)
  @UseGuards(SubjectThrottlerGuard)
  @ORDER_WRITES
  @ORDER_ANSWER
  async cancel(@Param('id', new ParseUUIDPipe()) id: string, @CurrentPrincipal() caller: Principal): Promise<Order> {
    const { order, journaled } = await this.orders.cancel(id.toLowerCase(), caller);
    this.audit.log(`order ${order.id} cancelled${journaled ? ' (journaled)' : ''} by ${caller.sub}`);
    return order;
  }

  @Get(':id')
  @ApiOperation({ summary: 'One order, by id' })
  @ApiParam({ name: 'id', format: 'uuid', example: '3f1c2a4e-8b7d-5e6f-9a0b-1c2d3e4f5a6b' })
  @ApiOkResponse({ type: OrderResponse })
  @ApiErrors(400, 404)
  @RequireScopes(ORDER_SCOPES.read)
  @ORDER_ANSWER
  get(@Param('id', new ParseUUIDPipe()) id: string, @CurrentPrincipal() caller: Principal): Promise<Order> {
    return this.queries.get(id.toLowerCase(), caller);
  }

  @Get()
  @ApiOperation({ summary: 'Your orders, newest first, a page at a time' })
  @ApiOkResponse({ type: OrderPageResponse })
  @ApiErrors(400)
  @RequireScopes(ORDER_SCOPES.read)
  list(@Query() query: ListOrdersQuery, @CurrentPrincipal() caller: Principal): Promise<OrderPage> {
    return this.queries.list({ symbol: query.symbol, limit: query.limit ?? 50, cursor: query.cursor }, caller);
  }
}
