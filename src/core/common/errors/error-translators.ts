import { Injectable } from '@nestjs/common';
import type { AppError } from './app-error.js';

/** Turns an error a library threw into one of our typed errors, or leaves it (undefined). */
export type ErrorTranslator = (error: unknown) => AppError | undefined;

/**
 * Where infrastructure modules teach the global filter their libraries' errors: the database
 * maps a lost Postgres to 503 + Retry-After and a constraint violation to 409, so a team's plain
 * repository call answers like our own code does, never with a 500.
 */
@Injectable()
export class ErrorTranslators {
  private readonly translators: ErrorTranslator[] = [];

  add(translator: ErrorTranslator): void {
    this.translators.push(translator);
  }

  translate(error: unknown): unknown {
    for (const translator of this.translators) {
      const translated = translator(error);
      if (translated) return translated;
    }
    return error;
  }
}
