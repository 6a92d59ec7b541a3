import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { JsMsg } from '@nats-io/jetstream';
import type { DeliveredMessage } from './event-broker.js';
import { NatsPump } from './nats-pump.js';

// What the broker delivers (outside the process): a message that records how it was settled and
// each time it was marked in progress.
class Delivery {
  readonly settled: string[] = [];
  marks = 0;
  readonly subject: string;
  readonly data = new Uint8Array();
  readonly headers = undefined;
  readonly info = { deliveryCount: 1 };
  constructor(n: number) {
    this.subject = `s.${n}`;
  }
  ack = () => this.settled.push('ack');
  nak = () => this.settled.push('nak');
  term = () => this.settled.push('term');
  working = () => (this.marks += 1);
}

// A subscription the test feeds by hand.
class Feed implements AsyncIterable<JsMsg> {
  private readonly waiting: Delivery[] = [];
  private next?: () => void;
  private done = false;
  push(...messages: Delivery[]): void {
    this.waiting.push(...messages);
    this.next?.();
  }
  stop(): void {
    this.done = true;
    this.next?.();
  }
  async *[Symbol.asyncIterator](): AsyncIterator<JsMsg> {
    while (!this.done) {
      const m = this.waiting.shift();
      if (m) yield m as unknown as JsMsg;
      else await new Promise<void>((resolve) => (this.next = resolve));
    }
  }
}

const settle = () => new Promise<void>((resolve) => setImmediate(resolve));

describe('NatsPump', () => {
  const ackWait = 3_000;

  function started(onBatch: (batch: DeliveredMessage[]) => Promise<void>) {
    const clock = { now: 0 };
    const feed = new Feed();
    const pump = new NatsPump(feed, onBatch, ackWait, () => clock.now);
    const running = pump.run();
    return { clock, feed, pump, running };
  }

  it('marks in progress each event of a slow batch not settled yet, and each queued behind it, every third of the ack wait', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let release!: () => void;
    const batches: DeliveredMessage[][] = [];
    const { clock, feed, pump, running } = started(async (batch) => {
      batches.push(batch);
      if (batches.length === 1) {
        batch[0]!.ack();
        await new Promise<void>((resolve) => (release = resolve));
      }
    });
    const [first, second, queued] = [new Delivery(1), new Delivery(2), new Delivery(3)];
    feed.push(first, second);
    await settle();
    feed.push(queued);
    await settle();
    assert.equal(batches.length, 1);
    assert.deepEqual(
      batches[0]!.map((m) => m.subject),
      ['s.1'],
      'the first batch is what had gathered when it started',
    );
    assert.equal(pump.holding, 2, 'the unsettled one of the batch and the one queued');

    clock.now = 1_000;
    t.mock.timers.tick(1_000);
    assert.deepEqual([first.marks, second.marks, queued.marks], [0, 1, 1]);
    clock.now = 1_500;
    t.mock.timers.tick(1_000);
    assert.deepEqual([first.marks, second.marks, queued.marks], [0, 1, 1], 'not again before a third has passed');
    clock.now = 2_000;
    t.mock.timers.tick(1_000);
    assert.deepEqual([first.marks, second.marks, queued.marks], [0, 2, 2]);

    release();
    await settle();
    assert.equal(batches.length, 2);
    assert.deepEqual(
      batches[1]!.map((m) => m.subject),
      ['s.2', 's.3'],
    );
    pump.stop();
    await running;
  });

  it('no longer marks an event its finished batch left unsettled: the broker sends it again after its ack wait', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    const { clock, feed, pump, running } = started(async () => undefined);
    const left = new Delivery(1);
    feed.push(left);
    await settle();
    assert.equal(pump.holding, 0);
    clock.now = 3_000;
    t.mock.timers.tick(3_000);
    assert.equal(left.marks, 0);
    pump.stop();
    await running;
  });

  it('stopped, marks nothing more, starts no new batch and ends', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let release!: () => void;
    let batches = 0;
    const { clock, feed, pump, running } = started(async (batch) => {
      batches += 1;
      batch[0]!.ack();
      await new Promise<void>((resolve) => (release = resolve));
    });
    const queued = new Delivery(2);
    feed.push(new Delivery(1));
    await settle();
    feed.push(queued);
    await settle();
    pump.stop();
    assert.equal(pump.holding, 0);
    clock.now = 3_000;
    t.mock.timers.tick(3_000);
    release();
    await running;
    assert.equal(batches, 1, 'the queued event is left to its ack wait');
    assert.deepEqual([queued.marks, queued.settled], [0, []]);
  });

  it('keeps running when a mark cannot be sent (the connection going): the ack wait covers that event', async (t) => {
    t.mock.timers.enable({ apis: ['setInterval'] });
    let release!: () => void;
    const batches: DeliveredMessage[][] = [];
    const { clock, feed, running, pump } = started(async (batch) => {
      batches.push(batch);
      if (batches.length === 1) await new Promise<void>((resolve) => (release = resolve));
      for (const m of batch) m.ack();
    });
    const [closing, next] = [new Delivery(1), new Delivery(2)];
    closing.working = () => {
      throw new Error('connection closed');
    };
    feed.push(closing);
    await settle();
    clock.now = 1_000;
    t.mock.timers.tick(1_000);
    feed.push(next);
    release();
    await settle();
    assert.deepEqual(
      batches.map((b) => b.map((m) => m.subject)),
      [['s.1'], ['s.2']],
    );
    assert.deepEqual([closing.settled, next.settled], [['ack'], ['ack']]);
    pump.stop();
    await running;
  });
});
