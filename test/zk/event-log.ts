/**
 * Records what handlers were told, in order, and lets a test wait until something has been
 * told a given number of times (waiting on the state the client exposes, never on the clock).
 */
export class EventLog {
  readonly seen: string[] = [];
  private readonly waiters: Array<{ event: string; count: number; resolve: () => void }> = [];

  /** A function that records `event` when called (for handler methods). */
  recorder(event: string): () => void {
    return () => this.push(event);
  }

  push(event: string): void {
    this.seen.push(event);
    for (const waiter of [...this.waiters]) {
      if (this.count(waiter.event) >= waiter.count) {
        this.waiters.splice(this.waiters.indexOf(waiter), 1);
        waiter.resolve();
      }
    }
  }

  count(event: string): number {
    return this.seen.filter((e) => e === event).length;
  }

  /** Resolves once `event` has been seen `count` times in all. */
  waitFor(event: string, count = 1): Promise<void> {
    if (this.count(event) >= count) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ event, count, resolve }));
  }
}
