import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { RefusalLog, type Refusal } from './refusal-log.js';

const refusal = (overrides: Partial<Refusal> = {}): Refusal => ({
  method: 'POST',
  route: '/widgets',
  status: 503,
  code: 'DEPENDENCY_UNAVAILABLE',
  message: 'the journal is full',
  requestId: 'r-1',
  ...overrides,
});

function logWithClock(intervalMs = 10_000) {
  const lines: string[] = [];
  let now = 1_000_000;
  const log = new RefusalLog({ warn: (line) => lines.push(line) }, intervalMs, () => now);
  return { log, lines, advance: (ms: number) => (now += ms) };
}

describe(RefusalLog.name, () => {
  it('logs the first refusal of an interval at once, then counts the rest into the next line', () => {
    const { log, lines, advance } = logWithClock();
    for (let i = 0; i < 17_600; i++) log.record(refusal({ requestId: `r-${i}` }));
    assert.equal(lines.length, 1);
    assert.match(
      lines[0],
      /^POST \/widgets DEPENDENCY_UNAVAILABLE refused with 503: the journal is full \[requestId=r-0\]/,
    );
    advance(9_999);
    log.record(refusal());
    assert.equal(lines.length, 1, 'still inside the interval');
    advance(1);
    log.record(refusal({ requestId: 'r-last' }));
    assert.equal(lines.length, 2);
    assert.match(
      lines[1],
      /\[requestId=r-last\] \(one line per 10 s for this route and code\); 17600 more since the last line$/,
    );
  });

  it('keeps one interval per method, route and code', () => {
    const { log, lines } = logWithClock();
    log.record(refusal());
    log.record(refusal({ code: 'CIRCUIT_OPEN' }));
    log.record(refusal({ route: '/widgets/:id', method: 'GET' }));
    log.record(refusal());
    assert.equal(lines.length, 3);
  });

  it('says nothing of a count when nothing was held back', () => {
    const { log, lines, advance } = logWithClock(1000);
    log.record(refusal());
    advance(5000);
    log.record(refusal());
    assert.equal(lines.length, 2);
    assert.doesNotMatch(lines[1], /more since/);
  });
});
