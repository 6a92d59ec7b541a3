import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import type { QuoteView } from './quotes.service.js';

/** A quote as the API answers it (OpenAPI only). */
export class QuoteResponse implements QuoteView {
  @ApiProperty({ example: 'AAPL' })
  symbol: string;

  @ApiProperty({ example: 187.25 })
  price: number;

  @ApiProperty({ format: 'date-time', description: 'When the provider priced it' })
  timestamp: string;

  @ApiPropertyOptional({ enum: ['simulated'], description: 'Set by a feed that is not a market' })
  source?: 'simulated';

  @ApiProperty({ description: 'The provider could not be asked: this is the last price known' })
  stale: boolean;

  @ApiProperty({ description: 'How long ago this instance received the price, ms' })
  ageMs: number;
}
