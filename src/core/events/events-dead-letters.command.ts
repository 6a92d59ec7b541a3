import { userInfo } from 'node:os';
import { parseArgs } from 'node:util';
import { type DatabaseCliCommand, DatabaseService, withDetachedApp } from '../database/index.js';
import { EventsRuntime } from './events.runtime.js';

const USAGE =
  'events:dead-letters list [--all] | redrive CONSUMER/EVENT_ID | discard CONSUMER/EVENT_ID --reason TEXT [--by NAME]  [--wait-seconds 60]';

// `events:dead-letters`: the consumers' dead letters, in Postgres, as `journal:dead-letters` does
// for the journal's: `redrive` applies one again through its consumer's handler and forgets it;
// `discard` keeps it, marked with who decided and why.
export const eventsDeadLettersCommand: DatabaseCliCommand = {
  name: 'events:dead-letters',
  usage: USAGE,
  async run(build, args, io) {
    const { positionals, values } = parseArgs({
      args,
      allowPositionals: true,
      options: {
        all: { type: 'boolean', default: false },
        reason: { type: 'string' },
        by: { type: 'string' },
        'wait-seconds': { type: 'string', default: '60' },
      },
    });
    const [action, id] = positionals;
    const [consumer, eventId] = (id ?? '').split('/');
    if (!['list', 'redrive', 'discard'].includes(action) || (action !== 'list' && (!consumer || !eventId))) {
      io.err(`usage: ${USAGE}`);
      return 2;
    }
    if (action === 'discard' && !values.reason?.trim()) {
      io.err('discard needs --reason TEXT: what was decided, and why');
      return 2;
    }
    return withDetachedApp(build, async (app) => {
      // They live in Postgres: the detached app finds its writer in the background.
      const waitSeconds = Number(values['wait-seconds']);
      if (!(await app.get(DatabaseService).waitForWriter(waitSeconds * 1000))) {
        io.err(`no Postgres writer within ${waitSeconds} s: nothing done`);
        return 1;
      }
      const letters = app.get(EventsRuntime).deadLetters;
      if (action === 'list') {
        const list = await letters.list(values.all);
        for (const d of list)
          io.out(
            `${d.consumer}/${d.eventId}\t${d.type}\t${d.stream}#${d.seq}\t${d.deadAt}\t${d.discardedBy ? `discarded by ${d.discardedBy}: ` : ''}${d.reason}`,
          );
        io.out(`${list.length} dead letter(s)`);
        return 0;
      }
      if (action === 'redrive') {
        const event = await letters.redrive(consumer, eventId);
        io.out(`${consumer}/${eventId} (${event.type} ${event.stream}#${event.seq}) applied`);
        return 0;
      }
      const by = values.by ?? userInfo().username;
      await letters.discard(consumer, eventId, by, values.reason!);
      io.out(`${consumer}/${eventId} discarded by ${by}: ${values.reason}`);
      return 0;
    });
  },
};
