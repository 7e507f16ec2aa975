import { withTimeout } from '../network/timing.js';

const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The outcome of a transactional operation (initTransactions, a commit, an
 * abort, sendOffsetsToTransaction) that the sender completes (Kafka's
 * TransactionalRequestResult). The application waits for it up to
 * max.block.ms; a wait that times out leaves the operation running, and
 * calling the same method again waits for the same result.
 */
export class TransactionalRequestResult {
  private readonly settled: Promise<void>;
  private resolve!: () => void;
  private reject!: (e: Error) => void;
  error: Error | null = null;
  isCompleted = false;
  /** The application has seen the outcome (so the operation need not be retried). */
  isAcked = false;

  constructor(readonly operation: string) {
    this.settled = new Promise<void>((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.settled.catch(() => undefined);
  }

  done(): void {
    if (this.isCompleted) return;
    this.isCompleted = true;
    this.resolve();
  }

  fail(error: Error): void {
    if (this.isCompleted) return;
    this.isCompleted = true;
    this.error = error;
    this.reject(error);
  }

  get isSuccessful(): boolean {
    return this.isCompleted && this.error === null;
  }

  /** Resolves when the operation succeeded, rejects with its error, or with a TimeoutError after `timeoutMs`. */
  async await(timeoutMs: number): Promise<void> {
    try {
      if (timeoutMs >= MAX_TIMER_MS) await this.settled;
      else await withTimeout(this.settled, timeoutMs, `Timeout expired after ${timeoutMs}ms while awaiting ${this.operation}`);
    } catch (e) {
      // A wait that timed out has not seen the outcome.
      if (this.isCompleted) this.isAcked = true;
      throw e;
    }
    this.isAcked = true;
  }
}
