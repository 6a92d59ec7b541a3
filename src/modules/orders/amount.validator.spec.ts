import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isValidAmount, MAX_AMOUNT } from './amount.validator.js';

describe('isValidAmount', () => {
  it('accepts up to 8 decimals in any JSON number form', () => {
    for (const value of [1, 0.1, 0.00000001, 1e-8, 123.45678901, 2.5e3, MAX_AMOUNT, JSON.parse('1E-8') as number]) {
      assert.equal(isValidAmount(value), true, String(value));
    }
  });

  it('refuses more decimals, exponents included, and what is not a positive finite number in range', () => {
    for (const value of [
      1e-9,
      0.000000001,
      1.5e-9,
      1.5e-300,
      123.456789012,
      0,
      -1,
      MAX_AMOUNT * 10,
      Number.NaN,
      Infinity,
      '1',
      null,
    ]) {
      assert.equal(isValidAmount(value), false, String(value));
    }
  });
});
