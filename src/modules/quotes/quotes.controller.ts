import { RequireScopes, SCOPES } from '../../core/auth/index.js';
import { Controller, Get, Param } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../core/common/index.js';
import { QuoteResponse } from './quote.docs.js';
import { type QuoteView, QuotesService } from './quotes.service.js';

@ApiTags('quotes')
@Controller('quotes')
@RequireScopes(SCOPES.quotesRead)
export class QuotesController {
  constructor(private readonly quotes: QuotesService) {}

  @Get(':symbol')
  @ApiOperation({
    summary: 'The price of a symbol: fresh, or the last known one marked stale while the provider fails',
  })
  @ApiParam({ name: 'symbol', example: 'AAPL', description: 'One of TRADING_SYMBOLS (another is a 400)' })
  @ApiOkResponse({ type: QuoteResponse })
  @ApiErrors(400)
  quote(@Param('symbol') symbol: string): Promise<QuoteView> {
    return this.quotes.quote(symbol);
  }
}
