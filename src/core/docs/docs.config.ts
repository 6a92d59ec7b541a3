import { IsBoolean, IsOptional } from 'class-validator';
import { EnvVar, ToBoolean, featureConfig } from '../config/index.js';

/** Whether the OpenAPI description is served. */
export class DocsEnv {
  @EnvVar({
    group: 'docs',
    description: 'Serve the OpenAPI description at /docs (UI) and /docs-json; unset = on except in production',
    example: '',
  })
  @IsOptional()
  @ToBoolean()
  @IsBoolean()
  DOCS_ENABLED?: boolean;
}

export const docsConfig = featureConfig('docs', DocsEnv, (e, profile) => ({
  enabled: e.DOCS_ENABLED ?? !profile.isProduction,
}));
