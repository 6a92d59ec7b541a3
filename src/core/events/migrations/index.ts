import { CreateEventOutbox1733200000000 } from './1733200000000-create-event-outbox.js';
import { CreateEventInbox1733200000001 } from './1733200000001-create-event-inbox.js';
import { OutboxPendingOnly1733300000000 } from './1733300000000-outbox-pending-only.js';
import { OutboxTraceparent1733400000000 } from './1733400000000-outbox-traceparent.js';
import { InboxAppliedIndex1733500000000 } from './1733500000000-inbox-applied-index.js';

/** The events module's tables (outbox, inbox, positions, dead letters), oldest first: Postgres and SQLite alike. */
export const eventsMigrations = [
  CreateEventOutbox1733200000000,
  CreateEventInbox1733200000001,
  OutboxPendingOnly1733300000000,
  OutboxTraceparent1733400000000,
  InboxAppliedIndex1733500000000,
];
