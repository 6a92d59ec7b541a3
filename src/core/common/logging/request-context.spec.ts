import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { currentRequest, runDetached, runInRequestContext } from './request-context.js';

describe('request context', () => {
  it("carries the request's ids through awaits and timers started on its behalf", async () => {
    const seen = await runInRequestContext({ requestId: 'ours-1', clientRequestId: 'theirs' }, async () => {
      await new Promise((resolve) => setTimeout(resolve, 1));
      return currentRequest();
    });
    assert.deepEqual(seen, { requestId: 'ours-1', clientRequestId: 'theirs' });
    assert.equal(currentRequest(), undefined);
  });

  it('runs background work a request woke outside its context, timers it schedules included', async () => {
    const seen = await runInRequestContext({ requestId: 'ours-2' }, () =>
      runDetached(
        () =>
          new Promise<[unknown, unknown]>((resolve) => {
            const now = currentRequest();
            setTimeout(() => resolve([now, currentRequest()]), 1);
          }),
      ),
    );
    assert.deepEqual(seen, [undefined, undefined]);
  });
});
