import type { ProducerBatch } from './producer-batch.js';
import type { RecordMetadata, SendCallback } from './producer-record.js';

const PENDING = 0;
const SUCCEEDED = 1;
const FAILED = 2;

/**
 * What send() returns (Kafka's FutureRecordMetadata): a promise of the
 * record's metadata that is created only when someone awaits it. A
 * fire-and-forget send therefore costs no Promise, and a failed one left
 * unawaited is no unhandled rejection. The metadata itself is computed from
 * the batch on demand, as the Java client does.
 */
export class RecordFuture implements Promise<RecordMetadata> {
  /** The batch holding the record and its index in it, once appended. */
  batch: ProducerBatch | null = null;
  index = 0;
  private state = PENDING;
  private error: Error | null = null;
  private early: RecordMetadata | null = null;
  private promise: Promise<RecordMetadata> | null = null;
  private resolveFn: ((m: RecordMetadata) => void) | null = null;
  private rejectFn: ((e: Error) => void) | null = null;

  constructor(readonly callback: SendCallback | undefined) {}

  get [Symbol.toStringTag](): string {
    return 'RecordFuture';
  }

  get isDone(): boolean {
    return this.state !== PENDING;
  }

  /** Someone will look at the outcome: a callback or an awaited promise. */
  get observed(): boolean {
    return this.callback !== undefined || this.resolveFn !== null;
  }

  /** The metadata (offset -1 when the send failed). */
  metadata(): RecordMetadata {
    return this.early ?? this.batch!.metadataFor(this.index, this.state === FAILED);
  }

  /** Records the outcome and notifies the callback and any awaiting promise; `metadata` is computed by the caller only when observed. */
  settle(error: Error | null, metadata?: RecordMetadata): void {
    if (this.state !== PENDING) return;
    this.state = error ? FAILED : SUCCEEDED;
    this.error = error;
    if (!this.observed) return;
    const m = metadata ?? this.metadata();
    if (this.callback) {
      try {
        this.callback(error, m);
      } catch (e) {
        process.emitWarning(`producer send callback threw: ${(e as Error)?.message ?? e}`, { code: 'SAMSA_CALLBACK' });
      }
    }
    if (this.resolveFn) {
      if (error) this.rejectFn!(error);
      else this.resolveFn(m);
    }
  }

  /** Fails a record that never reached a batch (metadata, serialization, size, memory, close). */
  failEarly(error: Error, metadata: RecordMetadata): void {
    this.early = metadata;
    this.settle(error, metadata);
  }

  private asPromise(): Promise<RecordMetadata> {
    if (this.promise === null) {
      if (this.state === SUCCEEDED) this.promise = Promise.resolve(this.metadata());
      else if (this.state === FAILED) this.promise = Promise.reject(this.error);
      else {
        this.promise = new Promise<RecordMetadata>((resolve, reject) => {
          this.resolveFn = resolve;
          this.rejectFn = reject;
        });
      }
    }
    return this.promise;
  }

  then<A = RecordMetadata, B = never>(onFulfilled?: ((value: RecordMetadata) => A | PromiseLike<A>) | null, onRejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<A | B> {
    return this.asPromise().then(onFulfilled, onRejected);
  }

  catch<B = never>(onRejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<RecordMetadata | B> {
    return this.asPromise().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<RecordMetadata> {
    return this.asPromise().finally(onFinally);
  }
}
