import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type pg from 'pg';
import { isTargetFailure } from '../database.errors.js';
import { PoolBusyError, poolSideError } from './pool-busy.js';

const pool = (connected: number) => {
  const clients = Array.from({ length: connected }, () => ({ _connected: true }));
  return { totalCount: connected, _clients: clients } as unknown as pg.Pool;
};
const tooMany = () => Object.assign(new Error('sorry, too many clients already'), { code: '53300' });

describe('poolSideError', () => {
  it('the wait for a free client is the pool, never the target', () => {
    const error = poolSideError('primary', pool(2), new Error('timeout exceeded when trying to connect'));
    assert.ok(error instanceof PoolBusyError);
    assert.equal(error.status, 503);
    assert.equal(isTargetFailure(error), false);
  });

  it('53300 while the pool holds working connections is the pool; with none, the target', () => {
    assert.ok(poolSideError('primary', pool(1), tooMany()) instanceof PoolBusyError);
    const alone = poolSideError('primary', pool(0), tooMany());
    assert.ok(!(alone instanceof PoolBusyError));
    assert.equal(isTargetFailure(alone), true);
  });

  it('a refused or timed-out connection attempt stays the target failure it is', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    assert.equal(poolSideError('primary', pool(2), refused), refused);
    const slow = new Error('Connection terminated due to connection timeout');
    assert.equal(poolSideError('primary', pool(2), slow), slow);
    assert.equal(isTargetFailure(slow), true);
  });
});
