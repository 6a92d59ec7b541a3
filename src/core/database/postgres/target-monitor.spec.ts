import assert from 'node:assert/strict';
import { after, describe, it } from 'node:test';
import { deriveMode, FailoverMode } from '../failover-mode.js';
import { PgTarget } from './pg-target.js';
import { TargetMonitor } from './target-monitor.js';

const targets: PgTarget[] = [];
function target(name: string, role: 'writer' | 'replica' | 'unknown', reachable: boolean, lagMs = 0): PgTarget {
  // The pool connects lazily: nothing is opened by constructing it.
  const t = new PgTarget({ name, url: 'postgres://u@127.0.0.1:1/db', poolMax: 1, connectTimeoutMs: 100, queryTimeoutMs: 100, statementTimeoutMs: 100, probeTimeoutMs: 100 });
  Object.assign(t.status, { role, reachable, lagMs });
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

  it('moves to a promoted replica and keeps it when the old primary comes back writable (split brain)', () => {
    const primary = target('primary', 'writer', true);
    const replica = target('replica.1', 'replica', true);
    const monitor = new TargetMonitor([primary, replica], 1000, 1000);
    monitor.refresh();
    assert.equal(monitor.writer, primary);
    primary.status.reachable = false;
    Object.assign(replica.status, { role: 'writer' });
    monitor.refresh();
    assert.equal(monitor.writer, replica);
    primary.status.reachable = true;
    monitor.refresh();
    assert.equal(monitor.writer, replica, 'the sticky writer stays');
  });

  it('has no writer while the writer is unreachable', () => {
    const primary = target('primary', 'writer', true);
    const monitor = new TargetMonitor([primary], 1000, 1000);
    monitor.refresh();
    primary.markDown(new Error('ECONNREFUSED'));
    assert.equal(monitor.writer, undefined);
    assert.equal(primary.status.lastError, 'ECONNREFUSED');
  });
});

describe('probe backoff', () => {
  it('probes at the interval while up, and backs off with jitter, capped, while down', () => {
    const t = target('primary', 'writer', true);
    assert.equal(t.nextProbeDelay(1000), 1000);
    t.markDown(new Error('x'));
    assert.equal(t.nextProbeDelay(1000, 10_000, () => 1), 1000);
    t.markDown(new Error('x'));
    t.markDown(new Error('x'));
    assert.equal(t.nextProbeDelay(1000, 10_000, () => 1), 4000);
    for (let i = 0; i < 20; i++) t.markDown(new Error('x'));
    assert.equal(t.nextProbeDelay(1000, 10_000, () => 1), 10_000, 'capped');
    assert.equal(t.nextProbeDelay(1000, 10_000, () => 0), 250, 'never a busy loop');
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
