import { RequireScopes } from '../../core/auth/index.js';
import { Controller, Get, Param, UseGuards } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiParam, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../../core/common/index.js';
import { RateBudget, SubjectThrottlerGuard } from '../../core/rate-limit/index.js';
import { QuoteResponse } from './quote.docs.js';
import { marketDataConfig } from './quotes.config.js';
import { QUOTE_SCOPES } from './quotes.scopes.js';
import { type QuoteView, QuotesService } from './quotes.service.js';

@ApiTags('quotes')
@Controller('quotes')
@RequireScopes(QUOTE_SCOPES.read)
// Each caller has a quotes budget of its own (RATE_LIMIT_QUOTES_PER_MINUTE): one caller cannot
// spend the provider's rate for everybody.
@UseGuards(SubjectThrottlerGuard)
@RateBudget('quotes', marketDataConfig, (c) => c.quotesPerMinute)
export class QuotesController {
  constructor(private readonly quotes: QuotesService) {}

  @Get(':symbol')
  @ApiOperation({
    summary: 'The price of a symbol: fresh, or the last known one marked stale while the provider fails',
  })
  @ApiParam({ name: 'symbol', example: 'AAPL', description: 'One of TRADING_SYMBOLS (another is a 400)' })
  @ApiOkResponse({ type: QuoteResponse })
  @ApiErrors(400, 429)
  quote(@Param('symbol') symbol: string): Promise<QuoteView> {
    return this.quotes.quote(symbol);
  }
}
