import type { ConfigType } from '@nestjs/config';
import { ArrayMaxSize, IsBoolean, IsInt, Matches, Max, Min, ValidateBy } from 'class-validator';
import { EnvVar, featureConfig, IsServiceUrl, ToBoolean, ToInt, ToList } from '../config/index.js';

const DAY_MS = 86_400_000;

/** A stream age limit NATS accepts: none (0), or no shorter than the de-duplication window. */
const CoversDuplicateWindow = () =>
  ValidateBy({
    name: 'coversDuplicateWindow',
    validator: {
      validate: (value, args) =>
        value === 0 || (typeof value === 'number' && value >= (args?.object as EventsEnv).EVENTS_DUPLICATE_WINDOW_MS),
      defaultMessage: () => '$property must be 0 or at least EVENTS_DUPLICATE_WINDOW_MS',
    },
  });

/** A size limit only with an age limit: with discard-new and nothing aging out, a full stream stays full. */
const AgesOut = () =>
  ValidateBy({
    name: 'agesOut',
    validator: {
      validate: (value, args) => value === 0 || (args?.object as EventsEnv).EVENTS_STREAM_MAX_AGE_MS > 0,
      defaultMessage: () =>
        '$property needs EVENTS_STREAM_MAX_AGE_MS > 0: a full stream refuses new events until old ones age out',
    },
  });

/** The events module's own variables: the outbox, its relay to the broker, and consumers. */
export class EventsEnv {
  @EnvVar({
    group: 'events',
    description: 'NATS server(s) with JetStream, comma-separated; unset = events off (no outbox rows written)',
    secret: 'url',
    example: '',
    hint: 'nats://127.0.0.1:4222',
  })
  @ToList()
  @ArrayMaxSize(16)
  @IsServiceUrl(['nats', 'tls'], { each: true })
  EVENTS_NATS_URL: string[] = [];

  @EnvVar({
    group: 'events',
    description: 'JetStream stream the events are published to (created if absent)',
    example: 'EVENTS',
  })
  @Matches(/^[A-Za-z0-9_-]{1,32}$/)
  EVENTS_STREAM = 'EVENTS';

  @EnvVar({
    group: 'events',
    description: 'Subject prefix: an event of stream `<family>:<id>` goes to `<prefix>.<family>.<id>`',
    example: 'events',
  })
  @Matches(/^[A-Za-z0-9_-]{1,32}$/)
  EVENTS_SUBJECT_PREFIX = 'events';

  @EnvVar({ group: 'events', description: 'Relay: outbox rows published per round', example: '500' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(10_000)
  EVENTS_RELAY_BATCH = 500;

  @EnvVar({ group: 'events', description: 'Relay: pause between rounds when the outbox is drained, ms', example: '50' })
  @ToInt()
  @IsInt()
  @Min(5)
  @Max(60_000)
  EVENTS_RELAY_INTERVAL_MS = 50;

  @EnvVar({
    group: 'events',
    description: 'Relay: longest wait for the broker to confirm a publish, ms',
    example: '3000',
  })
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  EVENTS_PUBLISH_TIMEOUT_MS = 3000;

  @EnvVar({
    group: 'events',
    description:
      'Broker de-duplication window (Nats-Msg-Id), ms: a relay that dies after publishing re-sends within it',
    example: '120000',
  })
  @ToInt()
  @IsInt()
  @Min(10_000)
  @Max(DAY_MS)
  EVENTS_DUPLICATE_WINDOW_MS = 120_000;

  @EnvVar({
    group: 'events',
    description:
      'Broker stream: events older than this are removed, ms; 0: kept until deleted. A consumer away (or added) for longer finds the start of older streams gone: their later events wait as early until an operator acts',
    example: '0',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(3650 * DAY_MS)
  @CoversDuplicateWindow()
  EVENTS_STREAM_MAX_AGE_MS = 0;

  @EnvVar({
    group: 'events',
    description:
      'Broker stream: largest size, bytes; 0: no limit of its own. When full the broker refuses new events: they wait in the outbox, counted and alerting, none dropped',
    example: '0',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(Number.MAX_SAFE_INTEGER)
  @AgesOut()
  EVENTS_STREAM_MAX_BYTES = 0;

  @EnvVar({
    group: 'events',
    description:
      'Relayed outbox rows are kept this long, ms; 0: deleted as the broker confirms them (its stream is the history)',
    example: '0',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(30 * DAY_MS)
  EVENTS_RETENTION_MS = 0;

  @EnvVar({
    group: 'events',
    description:
      'Consumers: failed attempts of its handler on one event before it is dead-lettered (redeliveries of an event waiting for its gap or for Postgres do not count)',
    example: '5',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(100)
  EVENTS_CONSUMER_MAX_DELIVER = 5;

  @EnvVar({
    group: 'events',
    description: 'Consumers: wait before an event that failed, or came early, is delivered again, ms',
    example: '1000',
  })
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(600_000)
  EVENTS_CONSUMER_RETRY_MS = 1000;

  @EnvVar({
    group: 'events',
    description:
      'Relay the outbox to the broker from this instance (one relays at a time); false: intake only, the backlog still counted',
    example: 'true',
  })
  @ToBoolean()
  @IsBoolean()
  EVENTS_RELAY_ENABLED = true;

  @EnvVar({
    group: 'events',
    description: "Run this app's consumers (EventsModule.forConsumer) in this instance; false: relay only",
    example: 'true',
  })
  @ToBoolean()
  @IsBoolean()
  EVENTS_CONSUMERS_ENABLED = true;

  @EnvVar({
    group: 'events',
    description:
      'Consumers: an event delivered and not settled within this is delivered again (a consumer that died), ms',
    example: '30000',
  })
  @ToInt()
  @IsInt()
  @Min(500)
  @Max(3_600_000)
  EVENTS_CONSUMER_ACK_WAIT_MS = 30_000;

  @EnvVar({
    group: 'events',
    description:
      'Consumers: a gap (an event waiting for an earlier one of its stream) still open after this is closed if the missing events are gone (in neither the outbox nor the broker): recorded as a dead letter naming them, and the stream goes on, ms; 0: it waits for ever',
    example: '600000',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(30 * DAY_MS)
  EVENTS_CONSUMER_GAP_DEADLINE_MS = 600_000;

  @EnvVar({
    group: 'events',
    description:
      "Consumers: inbox rows are deleted once older than this, ms (a redelivery after that is still a duplicate, by its stream's position); 0: kept",
    example: '604800000',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(3650 * DAY_MS)
  EVENTS_INBOX_RETENTION_MS = 7 * DAY_MS;
}

export const eventsConfig = featureConfig('events', EventsEnv, (env) => ({
  natsServers: env.EVENTS_NATS_URL,
  stream: env.EVENTS_STREAM,
  subjectPrefix: env.EVENTS_SUBJECT_PREFIX,
  relayBatch: env.EVENTS_RELAY_BATCH,
  relayIntervalMs: env.EVENTS_RELAY_INTERVAL_MS,
  publishTimeoutMs: env.EVENTS_PUBLISH_TIMEOUT_MS,
  duplicateWindowMs: env.EVENTS_DUPLICATE_WINDOW_MS,
  streamMaxAgeMs: env.EVENTS_STREAM_MAX_AGE_MS,
  streamMaxBytes: env.EVENTS_STREAM_MAX_BYTES,
  retentionMs: env.EVENTS_RETENTION_MS,
  consumerMaxDeliver: env.EVENTS_CONSUMER_MAX_DELIVER,
  consumerRetryMs: env.EVENTS_CONSUMER_RETRY_MS,
  consumerAckWaitMs: env.EVENTS_CONSUMER_ACK_WAIT_MS,
  consumerGapDeadlineMs: env.EVENTS_CONSUMER_GAP_DEADLINE_MS,
  inboxRetentionMs: env.EVENTS_INBOX_RETENTION_MS,
  relayEnabled: env.EVENTS_RELAY_ENABLED,
  consumersEnabled: env.EVENTS_CONSUMERS_ENABLED,
}));

export type EventsConfig = ConfigType<typeof eventsConfig>;
