/** Something for the controller to do; processed alone, in the order put. */
export interface ControllerEvent {
  readonly name: string;
  /** Called instead of processing when the queue is cleared (resignation): fail whoever waits on it. */
  preempt?(): void;
}

interface Queued<E> {
  event: E;
  done?: () => void;
}

/**
 * The controller's one queue (Kafka's ControllerEventManager): ZooKeeper watches, timers and
 * API calls only put events here, and a single loop processes them one at a time, so every
 * decision sees the state the previous one left. An event that fails is logged and the
 * next one runs. The loop gives the event loop a turn between events.
 */
export class ControllerEventManager<E extends ControllerEvent> {
  private readonly queue: Array<Queued<E>> = [];
  private running = false;
  private closed = false;
  private current: Promise<void> | undefined;

  constructor(
    private readonly process: (event: E) => Promise<void>,
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {}

  /** Queues the event; once closed, it is preempted at once. */
  put(event: E): void {
    if (this.closed) {
      event.preempt?.();
      return;
    }
    this.queue.push({ event });
    this.kick();
  }

  /** Queues the event and resolves once it has been processed (or preempted). */
  putAndWait(event: E): Promise<void> {
    return new Promise((resolve) => {
      if (this.closed) {
        event.preempt?.();
        resolve();
        return;
      }
      this.queue.push({ event, done: resolve });
      this.kick();
    });
  }

  /**
   * Preempts everything queued and queues `event` alone (Kafka's clearAndPut, used for a
   * session's expiry); resolves once it has been processed.
   */
  clearAndPut(event: E): Promise<void> {
    this.preemptQueued();
    return this.putAndWait(event);
  }

  get queueSize(): number {
    return this.queue.length;
  }

  /** Preempts what is queued and waits for the event being processed. */
  async close(): Promise<void> {
    this.closed = true;
    this.preemptQueued();
    await this.current;
  }

  private preemptQueued(): void {
    for (const { event, done } of this.queue.splice(0)) {
      try {
        event.preempt?.();
      } catch (error) {
        this.log('error', `preempting ${event.name} failed: ${describe(error)}`);
      }
      done?.();
    }
  }

  private kick(): void {
    if (this.running) return;
    this.running = true;
    this.current = this.run();
  }

  private async run(): Promise<void> {
    try {
      while (this.queue.length > 0) {
        const { event, done } = this.queue.shift()!;
        try {
          await this.process(event);
        } catch (error) {
          this.log('error', `${event.name} failed: ${describe(error)}`);
        } finally {
          done?.();
        }
        await new Promise<void>((resolve) => setImmediate(resolve));
      }
    } finally {
      this.running = false;
    }
  }
}

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
