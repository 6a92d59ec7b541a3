import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import type { CliIo } from './database-cli.js';

/** What a dead-letter tool (`journal:dead-letters`, `events:dead-letters`) is told: a verb, its id, options. */
export interface DeadLetterArgs {
  action: string;
  id?: string;
  all: boolean;
  reason?: string;
  /** Who decided a discard: `--by`, else the operator's login. */
  by: string;
  waitSeconds: number;
  file?: string;
}

/**
 * The dead-letter tools' one grammar: `list [--all] | redrive ID | discard ID --reason TEXT [--by
 * NAME]`, `--wait-seconds` for a writer, and `--file` for the journal's. Undefined (the usage or the
 * missing reason written to `io`) when the words do not make a command.
 */
export function deadLetterArgs(
  args: string[],
  usage: string,
  io: CliIo,
  valid: (action: string, id: string | undefined) => boolean,
): DeadLetterArgs | undefined {
  const { positionals, values } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      file: { type: 'string' },
      all: { type: 'boolean', default: false },
      reason: { type: 'string' },
      by: { type: 'string' },
      'wait-seconds': { type: 'string', default: '60' },
    },
  });
  const [action, id] = positionals;
  if (!valid(action, id)) {
    io.err(`usage: ${usage}`);
    return undefined;
  }
  if (action === 'discard' && !values.reason?.trim()) {
    io.err('discard needs --reason TEXT: what was decided, and why');
    return undefined;
  }
  return {
    action,
    id,
    all: values.all,
    reason: values.reason,
    by: values.by ?? userInfo().username,
    waitSeconds: Number(values['wait-seconds']),
    file: values.file,
  };
}
