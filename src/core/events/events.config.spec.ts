import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError, loadEnvironment, type RawEnvironment } from '../config/index.js';
import { eventsConfig } from './events.config.js';

const load = (raw: RawEnvironment) =>
  loadEnvironment(raw, { readFile: () => '', configs: [eventsConfig] }).config(eventsConfig);

const refused = (raw: RawEnvironment, pattern: RegExp) =>
  assert.throws(
    () => load(raw),
    (error: unknown) => error instanceof ConfigValidationError && pattern.test(error.message),
  );

describe('events config', () => {
  it('keeps the broker stream unlimited by default, and takes an age and a size', () => {
    assert.equal(load({}).streamMaxAgeMs, 0);
    assert.equal(load({}).streamMaxBytes, 0);
    const set = load({ EVENTS_STREAM_MAX_AGE_MS: '604800000', EVENTS_STREAM_MAX_BYTES: '10737418240' });
    assert.equal(set.streamMaxAgeMs, 604_800_000);
    assert.equal(set.streamMaxBytes, 10_737_418_240);
  });

  it('refuses an age limit shorter than the de-duplication window, which NATS would refuse at the first publish', () => {
    refused(
      { EVENTS_STREAM_MAX_AGE_MS: '60000' },
      /EVENTS_STREAM_MAX_AGE_MS="60000": must be 0 or at least EVENTS_DUPLICATE_WINDOW_MS/,
    );
    assert.equal(
      load({ EVENTS_STREAM_MAX_AGE_MS: '60000', EVENTS_DUPLICATE_WINDOW_MS: '30000' }).streamMaxAgeMs,
      60_000,
    );
    refused({ EVENTS_STREAM_MAX_BYTES: '-1' }, /EVENTS_STREAM_MAX_BYTES="-1"/);
  });

  it('refuses a size limit without an age limit: full, the stream would refuse events for good', () => {
    refused(
      { EVENTS_STREAM_MAX_BYTES: '1000000' },
      /EVENTS_STREAM_MAX_BYTES="1000000": needs EVENTS_STREAM_MAX_AGE_MS > 0/,
    );
    assert.equal(
      load({ EVENTS_STREAM_MAX_BYTES: '1000000', EVENTS_STREAM_MAX_AGE_MS: '86400000' }).streamMaxBytes,
      1_000_000,
    );
  });

  it('gives a gap up after 10 minutes and prunes the inbox after 7 days by default; 0 turns either off', () => {
    assert.equal(load({}).consumerGapDeadlineMs, 600_000);
    assert.equal(load({}).inboxRetentionMs, 604_800_000);
    const off = load({ EVENTS_CONSUMER_GAP_DEADLINE_MS: '0', EVENTS_INBOX_RETENTION_MS: '0' });
    assert.equal(off.consumerGapDeadlineMs, 0);
    assert.equal(off.inboxRetentionMs, 0);
  });
});
