import type { JsMsg } from '@nats-io/jetstream';
import type { DeliveredMessage } from './event-broker.js';

/** The most events handed to one batch. */
export const BATCH_MAX = 256;

/**
 * Reads a JetStream subscription into a queue and hands what has gathered to `onBatch` whenever
 * the last batch is done: one event at a time when traffic is light, up to BATCH_MAX under load.
 *
 * **No event outlives its ack wait while it is held here.** Every third of the ack wait, each
 * event still queued, or in the batch being applied and not settled yet, whose ack wait last
 * started a third of it ago or more is marked in progress (JetStream's `+WPI`, which starts it
 * again). So a slow batch (a frozen database, a slow handler) gets neither its own events nor those
 * queued behind it sent again meanwhile: no copies pile up, and the queue is bounded by the
 * durable's `max_ack_pending`. An event of a finished batch that its handler left unsettled is no
 * longer marked: the broker sends it again after its ack wait, as before.
 *
 * **Stopped**, it marks nothing more and starts no new batch: what is queued is delivered again
 * after its ack wait (to this durable's next reader). The batch in progress may still finish and
 * settle its own events. It does not hand queued events back with a `nak`: the server (2.9) sends
 * a nak'd event straight to this reader's pull request, still waiting there after the
 * unsubscribe, where it would wait for its ack wait all the same.
 */
export class NatsPump {
  private readonly queue: JsMsg[] = [];
  // Each held event not yet settled, with when its ack wait last started (delivered or marked).
  private readonly held = new Map<JsMsg, number>();
  private readonly timer: NodeJS.Timeout;
  private wake?: () => void;
  private ended = false;
  private stopped = false;

  constructor(
    private readonly messages: AsyncIterable<JsMsg> & { stop(): void },
    private readonly onBatch: (batch: DeliveredMessage[]) => Promise<void>,
    private readonly ackWaitMs: number,
    private readonly now: () => number = Date.now,
  ) {
    this.timer = setInterval(() => this.keepHeld(), Math.max(1, Math.floor(ackWaitMs / 3)));
    this.timer.unref();
  }

  /** Events held here now (queued, or in the batch being applied and not settled). */
  get holding(): number {
    return this.held.size;
  }

  /** Runs until the subscription ends or `stop()`; rejects with the subscription's failure. */
  async run(): Promise<void> {
    let failure: unknown;
    const reader = (async () => {
      try {
        for await (const m of this.messages) {
          if (this.stopped) continue;
          this.queue.push(m);
          this.held.set(m, this.now());
          this.wake?.();
        }
      } catch (error) {
        failure = error;
      } finally {
        this.ended = true;
        this.wake?.();
      }
    })();
    try {
      while ((!this.ended || this.queue.length > 0) && !this.stopped) {
        if (this.queue.length === 0) {
          await new Promise<void>((resolve) => (this.wake = resolve));
          this.wake = undefined;
          continue;
        }
        const batch = this.queue.splice(0, BATCH_MAX);
        try {
          await this.onBatch(batch.map((m) => this.delivered(m)));
        } finally {
          for (const m of batch) this.held.delete(m);
        }
      }
      await reader;
    } finally {
      clearInterval(this.timer);
    }
    if (failure) throw failure;
  }

  stop(): void {
    this.stopped = true;
    clearInterval(this.timer);
    this.messages.stop();
    this.held.clear();
    this.queue.length = 0;
    this.wake?.();
  }

  private keepHeld(): void {
    if (this.stopped) return;
    const now = this.now();
    const due = this.ackWaitMs / 3;
    for (const [m, since] of this.held) {
      if (now - since < due) continue;
      attempt(() => m.working());
      this.held.set(m, now);
    }
  }

  private delivered(m: JsMsg): DeliveredMessage {
    const settled = (settle: () => void) => {
      this.held.delete(m);
      settle();
    };
    return {
      subject: m.subject,
      data: m.data,
      traceparent: m.headers?.get('traceparent') || undefined,
      deliveries: m.info.deliveryCount,
      ack: () => settled(() => m.ack()),
      retry: (delayMs) => settled(() => m.nak(delayMs)),
      drop: (reason) => settled(() => m.term(reason)),
    };
  }
}

// A mark on a connection that is going: the broker's ack wait covers it.
function attempt(send: () => void): void {
  try {
    send();
  } catch {
    // nothing more to do
  }
}
