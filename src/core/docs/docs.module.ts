import { Module } from '@nestjs/common';
import { ConfigModule } from '@nestjs/config';
import { docsConfig } from './docs.config.js';

/** Declares DOCS_ENABLED; the description itself is served by serveOpenApi once the app is built. */
@Module({ imports: [ConfigModule.forFeature(docsConfig)] })
export class DocsModule {}
