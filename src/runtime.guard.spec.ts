import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { unsupportedRuntime } from './runtime.guard.js';

describe('runtime guard', () => {
  it('refuses Node before 24 with one line naming the version, and runs on 24 and later', () => {
    assert.match(
      unsupportedRuntime('20.20.2') ?? '',
      /^Node 20\.20\.2 is not supported: run the service with Node 24 LTS/,
    );
    assert.ok(unsupportedRuntime('22.12.0'));
    assert.equal(unsupportedRuntime('24.11.1'), undefined);
    assert.equal(unsupportedRuntime('26.0.0'), undefined);
  });

  it('is what this process runs on', () => {
    assert.equal(unsupportedRuntime(process.versions.node), undefined, `tests run on ${process.version}`);
  });
});
