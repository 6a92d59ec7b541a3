import { type DatabaseCliCommand, DatabaseService, deadLetterArgs, withDetachedApp } from '../database/index.js';
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
    const parsed = deadLetterArgs(args, USAGE, io, (action, id) => {
      const [consumer, eventId] = (id ?? '').split('/');
      return ['list', 'redrive', 'discard'].includes(action) && (action === 'list' || Boolean(consumer && eventId));
    });
    if (!parsed) return 2;
    const { action, waitSeconds } = parsed;
    const [consumer, eventId] = (parsed.id ?? '').split('/');
    return withDetachedApp(build, async (app) => {
      // They live in Postgres: the detached app finds its writer in the background.
      if (!(await app.get(DatabaseService).waitForWriter(waitSeconds * 1000))) {
        io.err(`no Postgres writer within ${waitSeconds} s: nothing done`);
        return 1;
      }
      const letters = app.get(EventsRuntime).deadLetters;
      if (action === 'list') {
        const list = await letters.list(parsed.all);
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
      await letters.discard(consumer, eventId, parsed.by, parsed.reason!);
      io.out(`${consumer}/${eventId} discarded by ${parsed.by}: ${parsed.reason}`);
      return 0;
    });
  },
};
