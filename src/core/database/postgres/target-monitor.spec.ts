import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { Logger, type LoggerService } from '@nestjs/common';
import { deriveMode, FailoverMode } from '../failover-mode.js';
import { PgTarget } from './pg-target.js';
import { Journal } from '../journal/journal.js';
import { TargetMonitor } from './target-monitor.js';
import { electWriter } from './writer-election.js';

const targets: PgTarget[] = [];
function target(
  name: string,
  role: 'writer' | 'replica' | 'unknown',
  reachable: boolean,
  lagMs = 0,
  timeline = 1,
): PgTarget {
  // The pool connects lazily: nothing is opened by constructing it.
  const t = new PgTarget({
    name,
    url: 'postgres://u@127.0.0.1:1/db',
    poolMax: 1,
    connectTimeoutMs: 100,
    queryTimeoutMs: 100,
    statementTimeoutMs: 100,
    probeTimeoutMs: 100,
    insertGroupRows: 1,
  });
  Object.assign(t.status, { role, reachable, lagMs, timeline, systemId: '7000' });
  targets.push(t);
  return t;
}

describe(TargetMonitor.name, () => {
  after(async () => Promise.all(targets.map((t) => t.close())));

  it('takes the target that accepts writes as the writer, and replicas within the lag budget for reads', () => {
    const primary = target('primary', 'writer', true);
    const fresh = target('replica.1', 'replica', true, 100);
    target('replica.2', 'replica', true, 5000);
    const monitor = new TargetMonitor(targets.slice(-3), 1000, 1000);
    monitor.refresh();
    assert.equal(monitor.writer, primary);
    assert.deepEqual(monitor.readableReplicas(), [fresh]);
  });

  it('moves to a promoted replica and fences the old primary when it comes back writable (split brain)', () => {
    const primary = target('primary', 'writer', true);
    const replica = target('replica.1', 'replica', true);
    const monitor = new TargetMonitor([primary, replica], 1000, 1000);
    monitor.refresh();
    assert.equal(monitor.writer, primary);
    primary.status.reachable = false;
    Object.assign(replica.status, { role: 'writer', timeline: 2 });
    monitor.refresh();
    assert.equal(monitor.writer, replica);
    primary.status.reachable = true;
    monitor.refresh();
    assert.equal(monitor.writer, replica, 'the higher timeline wins');
    assert.deepEqual(monitor.fencing.fenced, ['primary']);
  });

  it('elects the same writer in an instance that starts after the split brain, whichever target answers first', () => {
    const old = target('primary', 'writer', true, 0, 1);
    const promoted = target('replica.1', 'writer', false, 0, 2);
    const monitor = new TargetMonitor([old, promoted], 1000, 1000);
    monitor.refresh();
    assert.equal(monitor.writer, old, 'with only the old primary known, it is the writer: nothing says otherwise');
    promoted.status.reachable = true;
    monitor.refresh();
    assert.equal(monitor.writer, promoted);
    assert.deepEqual(monitor.fencing.fenced, ['primary']);
  });

  it('remembers the highest timeline across restarts, so an old primary stays fenced while the promoted one is out of reach', () => {
    const memory = new Journal(':memory:');
    const old = target('primary', 'writer', false, 0, 1);
    const promoted = target('replica.1', 'writer', true, 0, 2);
    new TargetMonitor([old, promoted], 1000, 1000, memory).refresh();
    assert.equal(memory.highestTimeline('7000'), 2);
    Object.assign(old.status, { reachable: true });
    Object.assign(promoted.status, { reachable: false });
    const restarted = new TargetMonitor([old, promoted], 1000, 1000, memory);
    restarted.refresh();
    assert.equal(restarted.writer, undefined, 'no writer rather than the old primary');
    assert.deepEqual(restarted.fencing.fenced, ['primary']);
    assert.match(restarted.fencing.undecided ?? '', /below 2/);
    memory.close();
  });

  it('warns once per writer that commits asynchronously while there are replicas to fail over to', () => {
    const warnings: string[] = [];
    const quiet = () => undefined;
    const capture: LoggerService = { log: quiet, error: quiet, warn: (m: string) => warnings.push(m) };
    Logger.overrideLogger(capture);
    try {
      const asyncCommits = (w: string) => warnings.filter((m) => m.includes(`${w} commits asynchronously`));
      const primary = target('primary', 'writer', true);
      const replica = target('replica.1', 'replica', true);
      const monitor = new TargetMonitor([primary, replica], 1000, 1000);
      primary.status.synchronousCommit = true;
      monitor.refresh();
      assert.deepEqual(asyncCommits('primary'), [], 'a synchronous writer is no cause for a warning');
      primary.status.synchronousCommit = false;
      monitor.refresh();
      monitor.refresh();
      assert.equal(asyncCommits('primary').length, 1, 'said once, not at every probe');
      assert.match(asyncCommits('primary')[0], /Durability across a failover/);
      primary.status.reachable = false;
      Object.assign(replica.status, { role: 'writer', timeline: 2, synchronousCommit: false });
      monitor.refresh();
      assert.equal(asyncCommits('replica.1').length, 1, 'a new writer is warned of again');
      const alone = target('alone', 'writer', true);
      alone.status.synchronousCommit = false;
      new TargetMonitor([alone], 1000, 1000).refresh();
      assert.deepEqual(asyncCommits('alone'), [], 'without a replica there is no failover to lose commits in');
    } finally {
      Logger.overrideLogger(['log', 'error', 'warn']);
    }
  });

  it('has no writer while the writer is unreachable', () => {
    const primary = target('primary', 'writer', true);
    const monitor = new TargetMonitor([primary], 1000, 1000);
    monitor.refresh();
    primary.markDown(new Error('ECONNREFUSED'));
    assert.equal(monitor.writer, undefined);
    assert.equal(primary.status.lastError, 'ECONNREFUSED');
  });
  it('remembers timelines per cluster: a cluster rebuilt from scratch is not fenced by the old one', () => {
    const memory = new Journal(':memory:');
    memory.rememberTimeline('7000', 5);
    const rebuilt = target('primary', 'writer', true, 0, 1);
    rebuilt.status.systemId = '9000';
    const monitor = new TargetMonitor([rebuilt], 1000, 1000, memory);
    monitor.refresh();
    assert.equal(monitor.writer, rebuilt);
    assert.equal(memory.highestTimeline('9000'), 1);
    assert.equal(memory.highestTimeline('7000'), 5);
    memory.close();
  });
});

describe(electWriter.name, () => {
  const t = (name: string, role: 'writer' | 'replica', timeline: number, systemId = '7000') => ({
    name,
    reachable: true,
    role,
    timeline,
    systemId,
  });

  it('gives the same answer however the targets are listed', () => {
    const targets = [t('a', 'writer', 3), t('b', 'writer', 4), t('c', 'replica', 4)];
    assert.equal(electWriter(targets).writer, 'b');
    assert.equal(electWriter([...targets].reverse()).writer, 'b');
    assert.deepEqual(electWriter(targets).fenced, ['a']);
  });

  it('fences a writer below the timeline a replica reports (its primary was promoted elsewhere)', () => {
    const election = electWriter([t('old', 'writer', 1), t('follower', 'replica', 2)]);
    assert.equal(election.writer, undefined);
    assert.deepEqual(election.fenced, ['old']);
    assert.match(election.undecided ?? '', /timeline below 2/);
  });

  it('cannot decide between two writers on one timeline, nor across clusters: nobody is written to', () => {
    const tie = electWriter([t('a', 'writer', 2), t('b', 'writer', 2)]);
    assert.equal(tie.writer, undefined);
    assert.match(tie.undecided ?? '', /a and b both accept writes on timeline 2/);
    const clusters = electWriter([t('a', 'writer', 2, '1'), t('b', 'replica', 1, '2')]);
    assert.equal(clusters.writer, undefined);
    assert.match(clusters.undecided ?? '', /different Postgres clusters/);
  });

  it('ignores unreachable targets, and reports no reason when there is simply no writer', () => {
    const election = electWriter([{ ...t('a', 'writer', 5), reachable: false }, t('b', 'replica', 1)]);
    assert.deepEqual(election, { fenced: [], timeline: 1 });
  });
});

describe('probe backoff', () => {
  it('probes at the interval while up, and backs off with jitter, capped, while down', () => {
    const t = target('primary', 'writer', true);
    assert.equal(t.nextProbeDelay(1000), 1000);
    t.markDown(new Error('x'));
    assert.equal(
      t.nextProbeDelay(1000, 10_000, () => 1),
      1000,
    );
    t.markDown(new Error('x'));
    t.markDown(new Error('x'));
    assert.equal(
      t.nextProbeDelay(1000, 10_000, () => 1),
      4000,
    );
    for (let i = 0; i < 20; i++) t.markDown(new Error('x'));
    assert.equal(
      t.nextProbeDelay(1000, 10_000, () => 1),
      10_000,
      'capped',
    );
    assert.equal(
      t.nextProbeDelay(1000, 10_000, () => 0),
      250,
      'never a busy loop',
    );
  });
});

describe('failover modes', () => {
  it('derives the mode from the writer, the replicas and the journal', () => {
    const base = { hasPostgres: true, writer: false, readableReplica: false, backlog: 0 };
    assert.equal(deriveMode({ ...base, hasPostgres: false }), 'embedded');
    assert.equal(deriveMode({ ...base, writer: true }), 'normal');
    assert.equal(deriveMode({ ...base, writer: true, backlog: 3 }), 'replaying');
    assert.equal(deriveMode({ ...base, readableReplica: true }), 'replica-read-only');
    assert.equal(deriveMode(base), 'fallback');
  });

  it('tells listeners of each change once, with the time', () => {
    let now = 5;
    const mode = new FailoverMode('fallback', () => now);
    const changes: string[] = [];
    mode.onChange((c) => changes.push(`${c.from}>${c.to}@${c.at}`));
    const inputs = { hasPostgres: true, writer: true, readableReplica: false, backlog: 2 };
    now = 10;
    mode.update(inputs);
    mode.update(inputs);
    now = 20;
    mode.update({ ...inputs, backlog: 0 });
    assert.deepEqual(changes, ['fallback>replaying@10', 'replaying>normal@20']);
    assert.equal(mode.since, 20);
  });
});
