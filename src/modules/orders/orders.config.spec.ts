import 'reflect-metadata';
import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ConfigValidationError, loadEnvironment, type RawEnvironment } from '../../core/config/index.js';
import { ordersConfig } from './orders.config.js';

const load = (raw: RawEnvironment) =>
  loadEnvironment(raw, { readFile: () => '', configs: [ordersConfig] }).config(ordersConfig);

describe('orders config', () => {
  it('needs a cursor key in production only, read through the profile', () => {
    assert.equal(load({}).cursorKey, undefined);
    assert.throws(
      () => load({ NODE_ENV: 'production' }),
      (error: unknown) =>
        error instanceof ConfigValidationError &&
        /ORDERS_CURSOR_KEY=\(unset\): must be set in production/.test(error.message),
    );
  });

  it('limits order writes to 120 a minute per caller in production, off elsewhere unless set', () => {
    const key = { ORDERS_CURSOR_KEY: 'a-real-cursor-key-of-32-characters-xx' };
    assert.equal(load({ NODE_ENV: 'production', ...key }).writesPerMinute, 120);
    assert.equal(load({}).writesPerMinute, 0);
    assert.equal(load({ RATE_LIMIT_ORDERS_PER_MINUTE: '3' }).writesPerMinute, 3);
    assert.equal(load({ TRADING_MAX_ORDER_NOTIONAL: '500' }).maxOrderNotional, 500);
  });
});
