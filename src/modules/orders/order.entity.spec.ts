import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { getMetadataArgsStorage } from 'typeorm';
import { MAX_SUBJECT_LENGTH } from '../../core/auth/index.js';
import { OrderEntity } from './order.entity.js';

describe(OrderEntity.name, () => {
  it('stores every owner auth accepts: the owner column is as long as the longest sub', () => {
    const owner = getMetadataArgsStorage().columns.find(
      (column) => column.target === OrderEntity && column.propertyName === 'owner',
    );
    assert.equal(owner?.options.length, MAX_SUBJECT_LENGTH);
  });
});
