import { Controller, Get } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiTags } from '@nestjs/swagger';
import { InjectRepository } from '@nestjs/typeorm';
import type { Repository } from 'typeorm';
import { CurrentPrincipal, type Principal, RequireScopes } from '../../core/auth/index.js';
import { ORDER_SCOPES } from '../orders/index.js';
import { PositionEntity } from './position.entity.js';

class PositionResponse {
  @ApiProperty({ example: 'AAPL' })
  symbol: string;

  @ApiProperty({ description: 'Quantity of live buy orders', example: 10 })
  openBuy: number;

  @ApiProperty({ description: 'Quantity of live sell orders', example: 0 })
  openSell: number;

  @ApiProperty({ description: 'Live orders', example: 1 })
  openOrders: number;
}

class PositionsResponse {
  @ApiProperty({ type: [PositionResponse] })
  data: PositionResponse[];
}

@ApiTags('positions')
@Controller('positions')
export class PositionsController {
  constructor(@InjectRepository(PositionEntity) private readonly positions: Repository<PositionEntity>) {}

  /** The caller's own positions, as far as the projection has applied the order events. */
  @Get()
  @ApiOperation({
    summary: "The caller's open exposure per symbol, projected from order events (empty while events are off)",
  })
  @ApiOkResponse({ type: PositionsResponse })
  @RequireScopes(ORDER_SCOPES.read)
  async list(@CurrentPrincipal() caller: Principal): Promise<PositionsResponse> {
    const rows = await this.positions.find({ where: { owner: caller.sub }, order: { symbol: 'ASC' }, take: 500 });
    return {
      data: rows
        .filter((r) => r.openOrders !== 0 || r.openBuy !== 0 || r.openSell !== 0)
        .map(({ symbol, openBuy, openSell, openOrders }) => ({ symbol, openBuy, openSell, openOrders })),
    };
  }
}
