import { ConsoleLogger, type LogLevel } from '@nestjs/common';
import { currentRequest } from './request-context.js';
import { REDACTED, SECRET_FIELD_NAMES, type SecretRedactor, secretRedactor } from './secret-redactor.js';

const LEVELS: LogLevel[] = ['fatal', 'error', 'warn', 'log', 'debug', 'verbose'];

/** The levels at `level` and above, in Nest's terms. */
export function levelsFrom(level: LogLevel): LogLevel[] {
  return LEVELS.slice(0, LEVELS.indexOf(level) + 1);
}

export interface AppLoggerOptions {
  format: 'json' | 'pretty';
  level: LogLevel;
  redactor?: SecretRedactor;
}

/**
 * Nest's ConsoleLogger (JSON in production, readable otherwise) with two layers of redaction:
 * named secret fields in logged objects, and the plain value of every configured secret in the
 * final text, wherever it appears.
 */
export class AppLogger extends ConsoleLogger {
  private readonly secretScrubber: SecretRedactor;

  constructor(options: AppLoggerOptions) {
    super({
      json: options.format === 'json',
      colors: options.format === 'pretty' && Boolean(process.stdout.isTTY),
      logLevels: levelsFrom(options.level),
      redact: { paths: SECRET_FIELD_NAMES, censor: REDACTED },
    });
    this.secretScrubber = options.redactor ?? secretRedactor;
  }

  protected override formatMessage(...args: Parameters<ConsoleLogger['formatMessage']>): string {
    const request = currentRequest();
    // The context part ("[Positions] ") gains the ids of the request being handled, if any.
    if (request !== undefined) {
      const client = request.clientRequestId === undefined ? '' : ` clientRequestId=${request.clientRequestId}`;
      const trace = request.traceId === undefined ? '' : ` traceId=${request.traceId}`;
      args[4] = `${args[4]}[requestId=${request.requestId}${client}${trace}] `;
    }
    return this.secretScrubber.scrub(super.formatMessage(...args));
  }

  protected override getJsonLogObject(
    ...args: Parameters<ConsoleLogger['getJsonLogObject']>
  ): ReturnType<ConsoleLogger['getJsonLogObject']> {
    const object = super.getJsonLogObject(...args);
    const request = currentRequest();
    if (request === undefined) return object;
    return {
      ...object,
      requestId: request.requestId,
      ...(request.clientRequestId !== undefined && { clientRequestId: request.clientRequestId }),
      ...(request.traceId !== undefined && { traceId: request.traceId }),
    };
  }

  protected override stringifyJsonLogObject(logObject: Record<string, unknown>): string {
    return this.secretScrubber.scrub(super.stringifyJsonLogObject(logObject));
  }

  // Nest calls this for every error() line, with `undefined` when there is no stack.
  protected override printStackTrace(stack: string | undefined): void {
    super.printStackTrace(typeof stack === 'string' ? this.secretScrubber.scrub(stack) : (stack as unknown as string));
  }
}
