import { ArrayMaxSize, IsInt, IsOptional, IsString, Max, Min, MinLength } from 'class-validator';
import { EnvVar, IsServiceUrl, ToInt, ToList, featureConfig } from '../config/index.js';

/** The database's variables: Postgres targets, their pools and probes, and the SQLite journal. */
export class DatabaseEnv {
  @EnvVar({
    group: 'database',
    description: 'Postgres primary; unset = embedded SQLite',
    secret: 'url',
    example: '',
    hint: 'postgres://app:change-me@127.0.0.1:5432/trading',
  })
  @IsOptional()
  @IsServiceUrl(['postgres', 'postgresql'])
  DB_PRIMARY_URL?: string;

  @EnvVar({
    group: 'database',
    description: 'Read replicas, comma separated',
    secret: 'url',
    example: '',
    hint: 'postgres://app:change-me@127.0.0.1:5433/trading',
  })
  @ToList()
  @ArrayMaxSize(16)
  @IsServiceUrl(['postgres', 'postgresql'], { each: true })
  DB_REPLICA_URLS: string[] = [];

  @EnvVar({
    group: 'database',
    description: 'SQLite file: the database with no Postgres, the journal with one',
    example: './data/app.sqlite',
  })
  @IsString()
  @MinLength(1)
  DB_SQLITE_PATH = './data/app.sqlite';

  @EnvVar({ group: 'database', description: 'Connections per Postgres pool', example: '10' })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  DB_POOL_MAX = 10;

  @EnvVar({
    group: 'database',
    description:
      'Most rows one insert statement takes: inserts of an entity that arrive while earlier ones are out go together (1: each on its own)',
    example: '32',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  DB_INSERT_GROUP_ROWS = 32;

  @EnvVar({ group: 'database', description: 'Connect timeout, ms', example: '2000' })
  @ToInt()
  @IsInt()
  @Min(50)
  @Max(60_000)
  DB_CONNECT_TIMEOUT_MS = 2000;

  @EnvVar({ group: 'database', description: 'Client-side query timeout, ms', example: '5000' })
  @ToInt()
  @IsInt()
  @Min(50)
  @Max(600_000)
  DB_QUERY_TIMEOUT_MS = 5000;

  @EnvVar({ group: 'database', description: 'Server-side statement_timeout, ms', example: '5000' })
  @ToInt()
  @IsInt()
  @Min(50)
  @Max(600_000)
  DB_STATEMENT_TIMEOUT_MS = 5000;

  @EnvVar({ group: 'database', description: 'Replay lag above which a replica serves no reads, ms', example: '1000' })
  @ToInt()
  @IsInt()
  @Min(0)
  @Max(3_600_000)
  DB_REPLICA_MAX_LAG_MS = 1000;

  @EnvVar({ group: 'database', description: 'Background probe interval per target, ms', example: '1000' })
  @ToInt()
  @IsInt()
  @Min(100)
  @Max(60_000)
  DB_PROBE_INTERVAL_MS = 1000;

  @EnvVar({ group: 'database', description: 'Probe timeout, ms', example: '500' })
  @ToInt()
  @IsInt()
  @Min(10)
  @Max(60_000)
  DB_PROBE_TIMEOUT_MS = 500;

  @EnvVar({
    group: 'database',
    description:
      'Replays of a journaled command that fails for a reason other than an outage (a data error, a bug) before it is dead-lettered',
    example: '5',
  })
  @ToInt()
  @IsInt()
  @Min(1)
  @Max(1000)
  DB_REPLAY_MAX_ATTEMPTS = 5;

  @EnvVar({
    group: 'database',
    description:
      "Bytes kept free on the journal's volume: below it the journal counts as full and readiness fails while Postgres takes no writes",
    example: '16777216',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  DB_JOURNAL_MIN_FREE_BYTES = 16 * 1024 * 1024;

  @EnvVar({
    group: 'database',
    description:
      'Bytes set aside beside the journal (a file, <DB_SQLITE_PATH>.reserve) and given back when the volume is full, so a replay can settle what it applied',
    example: '8388608',
  })
  @ToInt()
  @IsInt()
  @Min(0)
  DB_JOURNAL_RESERVE_BYTES = 8 * 1024 * 1024;
}

export const databaseConfig = featureConfig(
  'database',
  DatabaseEnv,
  (e) => ({
    primaryUrl: e.DB_PRIMARY_URL,
    replicaUrls: e.DB_REPLICA_URLS,
    sqlitePath: e.DB_SQLITE_PATH,
    poolMax: e.DB_POOL_MAX,
    insertGroupRows: e.DB_INSERT_GROUP_ROWS,
    connectTimeoutMs: e.DB_CONNECT_TIMEOUT_MS,
    queryTimeoutMs: e.DB_QUERY_TIMEOUT_MS,
    statementTimeoutMs: e.DB_STATEMENT_TIMEOUT_MS,
    replicaMaxLagMs: e.DB_REPLICA_MAX_LAG_MS,
    probeIntervalMs: e.DB_PROBE_INTERVAL_MS,
    probeTimeoutMs: e.DB_PROBE_TIMEOUT_MS,
    replayMaxAttempts: e.DB_REPLAY_MAX_ATTEMPTS,
    journalMinFreeBytes: e.DB_JOURNAL_MIN_FREE_BYTES,
    journalReserveBytes: e.DB_JOURNAL_RESERVE_BYTES,
  }),
  {
    rules: (e, { profile }) =>
      profile.isProduction && !e.DB_PRIMARY_URL
        ? [
            {
              variable: 'DB_PRIMARY_URL',
              rule: 'production',
              message: 'production needs a Postgres primary (SQLite alone is for development)',
            },
          ]
        : [],
  },
);
