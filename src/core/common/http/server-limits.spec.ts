import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { connectionCap, openFileLimit } from './server-limits.js';

const LIMITS = `Limit                     Soft Limit           Hard Limit           Units
Max processes             127698               127698               processes
Max open files            1024                 524288               files
Max locked memory         8388608              8388608              bytes`;

describe('server limits', () => {
  it('reads the soft open-file limit, and none when unlimited or unreadable', () => {
    assert.equal(openFileLimit(LIMITS), 1024);
    assert.equal(openFileLimit(LIMITS.replace(/1024 {17}524288/, 'unlimited            unlimited')), undefined);
    assert.equal(openFileLimit(''), undefined);
  });

  it('keeps the connection cap 64 under the file limit', () => {
    assert.equal(connectionCap(8192, 1024), 960);
    assert.equal(connectionCap(100, 1024), 100);
    assert.equal(connectionCap(8192, undefined), 8192);
  });
});
