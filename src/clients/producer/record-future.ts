import type { RecordHeaderInput, RecordInput } from '../../../storage/record/record-batch-builder.js';
import type { ProducerBatch } from './producer-batch.js';
import type { RecordMetadata, SendCallback } from './producer-record.js';
import type { Serialized } from './serializers.js';

/** What only some futures need: an awaited promise, or the metadata of a record that never reached a batch. */
interface Extra {
  promise?: Promise<RecordMetadata>;
  resolve?: (m: RecordMetadata) => void;
  reject?: (e: Error) => void;
  early?: RecordMetadata;
}

/**
 * One sent record: what send() returns (Kafka's FutureRecordMetadata) and,
 * once appended, the record's place in its batch — its serialized key, value,
 * headers and timestamp are what the batch builder reads, so a record costs
 * one object from send() to acknowledgement.
 *
 * It is a promise of the record's metadata, but the Promise itself is created
 * only when someone awaits it: a fire-and-forget send costs none, and a failed
 * one left unawaited is no unhandled rejection. The metadata is computed from
 * the batch on demand, as the Java client does.
 */
export class RecordFuture implements RecordInput, Promise<RecordMetadata> {
  key: Serialized = null;
  value: Serialized = null;
  headers: readonly RecordHeaderInput[] | undefined = undefined;
  timestamp = 0;
  /** The batch holding the record and its index in it, once appended. */
  batch: ProducerBatch | null = null;
  index = 0;
  /** undefined while pending, null on success, the error on failure. */
  private outcome: Error | null | undefined = undefined;
  private extra: Extra | null = null;

  constructor(readonly callback: SendCallback | undefined) {}

  get [Symbol.toStringTag](): string {
    return 'RecordFuture';
  }

  get isDone(): boolean {
    return this.outcome !== undefined;
  }

  /** Someone will look at the outcome: a callback or an awaited promise. */
  get observed(): boolean {
    return this.callback !== undefined || this.extra?.resolve !== undefined;
  }

  /** The metadata (offset -1 when the send failed). */
  metadata(): RecordMetadata {
    return this.extra?.early ?? this.batch!.metadataFor(this.index, this.outcome instanceof Error);
  }

  /** Records the outcome and notifies the callback and any awaiting promise; `metadata` is passed when the caller computed it already. */
  settle(error: Error | null, metadata?: RecordMetadata): void {
    if (this.outcome !== undefined) return;
    this.outcome = error;
    if (!this.observed) return;
    const m = metadata ?? this.metadata();
    if (this.callback) {
      try {
        this.callback(error, m);
      } catch (e) {
        process.emitWarning(`producer send callback threw: ${(e as Error)?.message ?? e}`, { code: 'SAMSA_CALLBACK' });
      }
    }
    const extra = this.extra;
    if (extra?.resolve) {
      if (error) extra.reject!(error);
      else extra.resolve(m);
    }
  }

  /** Fails a record that never reached a batch (metadata, serialization, size, memory, close). */
  failEarly(error: Error, metadata: RecordMetadata): void {
    (this.extra ??= {}).early = metadata;
    this.settle(error, metadata);
  }

  private asPromise(): Promise<RecordMetadata> {
    const extra = (this.extra ??= {});
    if (extra.promise === undefined) {
      if (this.outcome === null) extra.promise = Promise.resolve(this.metadata());
      else if (this.outcome !== undefined) extra.promise = Promise.reject(this.outcome);
      else {
        extra.promise = new Promise<RecordMetadata>((resolve, reject) => {
          extra.resolve = resolve;
          extra.reject = reject;
        });
      }
    }
    return extra.promise;
  }

  // biome-ignore lint/suspicious/noThenProperty: a RecordFuture is awaitable as Java's Future is gettable
  then<A = RecordMetadata, B = never>(
    onFulfilled?: ((value: RecordMetadata) => A | PromiseLike<A>) | null,
    // biome-ignore lint/suspicious/noExplicitAny: Promise's own signature types the rejection reason as any
    onRejected?: ((reason: any) => B | PromiseLike<B>) | null,
  ): Promise<A | B> {
    return this.asPromise().then(onFulfilled, onRejected);
  }

  // biome-ignore lint/suspicious/noExplicitAny: Promise's own signature types the rejection reason as any
  catch<B = never>(onRejected?: ((reason: any) => B | PromiseLike<B>) | null): Promise<RecordMetadata | B> {
    return this.asPromise().catch(onRejected);
  }

  finally(onFinally?: (() => void) | null): Promise<RecordMetadata> {
    return this.asPromise().finally(onFinally);
  }
}
