/**
 * The listeners of one kind of event: `add` returns the function that removes the listener, and
 * `emit` calls each in turn. A listener that throws does not stop the others or the emitter: the
 * error goes to `onError` (a log line), or is dropped when none is given.
 */
export class Listeners<E = void> {
  private readonly set = new Set<(event: E) => void>();

  constructor(private readonly onError?: (error: unknown) => void) {}

  add(listener: (event: E) => void): () => void {
    this.set.add(listener);
    return () => this.set.delete(listener);
  }

  emit(event: E): void {
    for (const listener of this.set) {
      try {
        listener(event);
      } catch (error) {
        this.onError?.(error);
      }
    }
  }
}
