import { RequireScopes, SCOPES } from '../../core/auth/index.js';
import { Controller, Get, Param } from '@nestjs/common';
import { type QuoteView, QuotesService } from './quotes.service.js';

@Controller('quotes')
@RequireScopes(SCOPES.quotesRead)
export class QuotesController {
  constructor(private readonly quotes: QuotesService) {}

  @Get(':symbol')
  quote(@Param('symbol') symbol: string): Promise<QuoteView> {
    return this.quotes.quote(symbol);
  }
}
