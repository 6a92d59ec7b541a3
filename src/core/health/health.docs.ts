import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';

const ENTRY = {
  type: 'object',
  properties: { status: { type: 'string', enum: ['up', 'degraded', 'down'] } },
  required: ['status'],
  additionalProperties: true,
};
const ENTRIES = { type: 'object' as const, additionalProperties: ENTRY };

/** Terminus's HealthCheckResult, plus our score and time (OpenAPI only). */
export class HealthCheckResponse {
  @ApiProperty({ enum: ['ok', 'error', 'degraded', 'shutting_down'] })
  status: string;

  @ApiProperty({ ...ENTRIES, description: 'Indicators up or degraded' })
  info: Record<string, unknown>;

  @ApiProperty({ ...ENTRIES, description: 'Indicators down' })
  error: Record<string, unknown>;

  @ApiProperty({
    ...ENTRIES,
    description: 'Every indicator: its status, and with the details token its data, `critical` and `durationMs`',
  })
  details: Record<string, unknown>;

  @ApiPropertyOptional({
    minimum: 0,
    maximum: 100,
    description: 'Weighted: up counts 1, degraded 0.5, down 0 (GET /health only)',
  })
  score?: number;

  @ApiPropertyOptional({ format: 'date-time' })
  checkedAt?: string;
}
