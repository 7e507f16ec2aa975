import type { CompressionType } from '../../../codecs/index.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, NO_SEQUENCE, RECORD_BATCH_OVERHEAD } from '../../../storage/record/record-batch-layout.js';
import { RecordBatchView } from '../../../storage/record/record-batch-view.js';
import { incrementSequence } from '../../../storage/record/sequence.js';
import type { ProducerInterceptors } from './interceptors.js';
import type { RecordMetadata } from './producer-record.js';
import type { RecordFuture } from './record-future.js';

/**
 * The records bound for one partition that travel together (Kafka's
 * ProducerBatch). Each record is its RecordFuture, which holds what the batch
 * builder reads; they are encoded once, into one v2 record batch, when the
 * batch is first sent; a retry sends the same bytes.
 */
export class ProducerBatch {
  readonly records: RecordFuture[] = [];
  /** Estimated encoded size: the batch header plus each record's size. */
  sizeInBytes = RECORD_BATCH_OVERHEAD;
  /** Retries so far. */
  attempts = 0;
  lastAttemptMs: number;
  /** No more appends: it has been drained, or split. */
  closed = false;
  /** The outcome is known (callbacks may still wait for earlier batches of the partition). */
  finished = false;
  baseOffset = -1;
  logAppendTime = -1;
  error: Error | null = null;
  /** The room in the creation order this batch owns (halved by each split). */
  sequenceSpan = 1;
  // Idempotence: set when the batch is first drained, kept across retries (a retry must be recognised as one).
  producerId = NO_PRODUCER_ID;
  producerEpoch = NO_PRODUCER_EPOCH;
  baseSequence = NO_SEQUENCE;
  isTransactional = false;
  /** The sequence was rewritten (an epoch bump) since the batch was last drained (Java's sequenceHasBeenReset). */
  sequenceHasBeenReset = false;
  private encoded: Buffer | null = null;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** Creation order across the producer: retries go back in this order, flush waits by it. */
    readonly sequence: number,
    readonly createdMs: number,
    /** batch.size, or the size of a single larger record. */
    readonly capacity: number,
    /** Bytes reserved from buffer.memory, given back when the batch is done. */
    public allocatedBytes: number,
  ) {
    this.lastAttemptMs = createdMs;
  }

  get recordCount(): number {
    return this.records.length;
  }

  /** Appends when the record fits (an empty batch takes any record). */
  tryAppend(record: RecordFuture, size: number): boolean {
    if (this.closed || (this.records.length > 0 && this.sizeInBytes + size > this.capacity)) return false;
    record.batch = this;
    record.index = this.records.length;
    this.records.push(record);
    this.sizeInBytes += size;
    return true;
  }

  get isFull(): boolean {
    return this.closed || this.sizeInBytes >= this.capacity;
  }

  get hasSequence(): boolean {
    return this.baseSequence !== NO_SEQUENCE;
  }

  /** The sequence of the batch's last record. */
  get lastSequence(): number {
    return incrementSequence(this.baseSequence, this.records.length - 1);
  }

  /** Gives a batch its producer id, epoch and first sequence when it is first drained. */
  setProducerState(producerId: number, producerEpoch: number, baseSequence: number, isTransactional: boolean): void {
    this.producerId = producerId;
    this.producerEpoch = producerEpoch;
    this.baseSequence = baseSequence;
    this.isTransactional = isTransactional;
  }

  /** Moves an in-flight batch to a new epoch and sequence (KIP-360); bytes already built are rewritten in place. */
  resetProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    this.setProducerState(producerId, producerEpoch, baseSequence, this.isTransactional);
    this.sequenceHasBeenReset = true;
    if (this.encoded === null) return;
    // A copy: a request still queued on its connection holds the old bytes and must send them as they were.
    this.encoded = Buffer.from(this.encoded);
    new RecordBatchView(this.encoded).setProducerState(producerId, producerEpoch, baseSequence);
  }

  /** The batch's bytes, built on first use. */
  build(compression: CompressionType, now: number): Buffer {
    this.encoded ??= buildRecordBatch(this.records, {
      compression,
      now,
      producerId: this.producerId,
      producerEpoch: this.producerEpoch,
      baseSequence: this.baseSequence,
      isTransactional: this.isTransactional,
    });
    return this.encoded;
  }

  /**
   * Splits in two halves (a batch the broker refused as too large). The halves
   * share the batch's place in the creation order (sequence … sequence + span);
   * the first keeps the reserved memory.
   */
  split(): [ProducerBatch, ProducerBatch] {
    const half = Math.ceil(this.records.length / 2);
    const span = this.sequenceSpan / 2;
    const make = (from: number, to: number, allocated: number) => {
      const b = new ProducerBatch(this.topic, this.partition, from === 0 ? this.sequence : this.sequence + span, this.createdMs, this.capacity, allocated);
      b.sequenceSpan = span;
      for (let i = from; i < to; i++) b.tryAppend(this.records[i]!, 0);
      b.sizeInBytes = RECORD_BATCH_OVERHEAD + Math.round(((this.sizeInBytes - RECORD_BATCH_OVERHEAD) * (to - from)) / this.records.length);
      b.attempts = this.attempts;
      b.closed = true;
      // The halves divide the batch's sequences between them (Java's split).
      if (this.hasSequence) b.setProducerState(this.producerId, this.producerEpoch, incrementSequence(this.baseSequence, from), this.isTransactional);
      return b;
    };
    return [make(0, half, this.allocatedBytes), make(half, this.records.length, 0)];
  }

  /** Sets the outcome; a batch already finished (aborted by close) keeps its first one. */
  finish(baseOffset: number, logAppendTime: number, error: Error | null): boolean {
    if (this.finished) return false;
    this.finished = true;
    this.baseOffset = baseOffset;
    this.logAppendTime = logAppendTime;
    this.error = error;
    this.encoded = null;
    return true;
  }

  metadataFor(index: number, failed: boolean): RecordMetadata {
    return {
      topic: this.topic,
      partition: this.partition,
      offset: failed || this.baseOffset < 0 ? -1 : this.baseOffset + index,
      timestamp: failed ? -1 : this.logAppendTime >= 0 ? this.logAppendTime : this.records[index]!.timestamp,
    };
  }

  /** Runs interceptors and callbacks and settles every record's future, in record order. */
  fireCompletion(interceptors: ProducerInterceptors): void {
    const error = this.error;
    const failed = error !== null;
    const intercept = !interceptors.empty;
    for (let i = 0; i < this.records.length; i++) {
      const future = this.records[i]!;
      if (!intercept && !future.observed) {
        future.settle(error);
        continue;
      }
      const metadata = this.metadataFor(i, failed);
      if (intercept) interceptors.onAcknowledgement(metadata, error);
      future.settle(error, metadata);
    }
  }

  toString(): string {
    return `${this.topic}-${this.partition}`;
  }
}
