import { ErrorCode } from '../../protocol/error-codes.js';
import { tpKey } from '../../protocol/topic-partition.js';
import { Api } from '../network/apis.js';
import { KafkaApiError, kafkaErrorFor } from '../network/errors.js';
import type { NetworkClient } from '../network/network-client.js';
import type { ProducerBatch } from './producer-batch.js';

/** What an idempotent producer does with a batch the broker answered with an error. */
export const enum SequenceVerdict {
  /** Not a sequence error: the Sender's usual handling (retry if retriable). */
  Usual,
  /** Already written (DUPLICATE_SEQUENCE_NUMBER): the batch succeeded. */
  Duplicate,
  /** Send it again after the batches before it (an earlier one of the partition failed first). */
  Retry,
  /** The batch fails, and the producer takes a new id so later batches are not refused. */
  Fail,
}

interface PartitionSequences {
  /** The sequence the next new batch of the partition gets. */
  next: number;
  /** The last sequence the broker acknowledged, -1 before any. */
  lastAcked: number;
}

/** Kafka's transaction.timeout.ms default, which InitProducerId carries even without transactions. */
const TRANSACTION_TIMEOUT_MS = 60_000;

/**
 * The part of Kafka's TransactionManager an idempotent producer uses
 * (enable.idempotence, the Java producer's default): a producer id and epoch
 * from InitProducerId, and per partition the sequence numbers its batches
 * carry, so a broker writes a retried batch once — the new leader after a
 * failover too, which has the producer's last sequences from replication.
 *
 * A batch gets its sequence when it is first drained and keeps it through
 * retries (the bytes sent again are the same). When a sequence can no longer be
 * trusted (a batch failed or expired after it was numbered, the broker lost
 * the producer's state) the producer takes a new id, and batches not yet
 * acknowledged are numbered again under it, as Java's epoch bump does.
 */
export class IdempotenceManager {
  producerId = -1;
  producerEpoch = -1;
  private readonly partitions = new Map<string, PartitionSequences>();
  private initializing = false;
  private retryAtMs = 0;

  constructor(
    private readonly client: NetworkClient,
    private readonly retryBackoffMs: number,
    private readonly log: (message: string) => void = () => {},
  ) {}

  get hasProducerId(): boolean {
    return this.producerId >= 0;
  }

  /**
   * Asks a broker for a producer id unless one is known or being asked for;
   * `wakeup` runs when the answer (or a failure) comes. Returns how long to
   * wait before asking again (Infinity: nothing to wait for).
   */
  ensureProducerId(wakeup: () => void, now: number): number {
    if (this.hasProducerId || this.initializing) return Infinity;
    if (now < this.retryAtMs) return this.retryAtMs - now;
    const node = this.client.leastLoadedNode();
    if (node === undefined || !this.client.canConnect(node, now)) {
      this.client.metadata.requestUpdate();
      return this.retryBackoffMs;
    }
    this.initializing = true;
    this.client
      .send(node, Api.InitProducerId, { transactionalId: null, transactionTimeoutMs: TRANSACTION_TIMEOUT_MS, producerId: -1, producerEpoch: -1 })
      .then((response) => {
        if (response.errorCode !== ErrorCode.NONE) throw kafkaErrorFor(response.errorCode, 'InitProducerId');
        this.producerId = response.producerId;
        this.producerEpoch = response.producerEpoch;
        this.partitions.clear();
        this.log(`producer id ${this.producerId} epoch ${this.producerEpoch}`);
      })
      .catch((e: Error) => {
        // Every failure is tried again: batches wait, and expire after delivery.timeout.ms as any others.
        this.log(`InitProducerId failed: ${e.message}`);
        if (e instanceof KafkaApiError && e.invalidMetadata) this.client.metadata.requestUpdate();
        this.retryAtMs = Date.now() + this.retryBackoffMs;
      })
      .finally(() => {
        this.initializing = false;
        wakeup();
      });
    return Infinity;
  }

  private sequences(batch: ProducerBatch): PartitionSequences {
    const key = tpKey(batch.topic, batch.partition);
    let s = this.partitions.get(key);
    if (!s) this.partitions.set(key, (s = { next: 0, lastAcked: -1 }));
    return s;
  }

  /** Numbers a batch about to be sent, unless it carries a sequence of the current producer id already. */
  assign(batch: ProducerBatch): void {
    if (batch.producerId === this.producerId && batch.producerEpoch === this.producerEpoch && batch.baseSequence >= 0) return;
    const s = this.sequences(batch);
    batch.setProducerState(this.producerId, this.producerEpoch, s.next);
    // Sequences are int32 and wrap to 0 after 2^31 - 1, as Kafka's.
    s.next = (s.next + batch.recordCount) % 2 ** 31;
  }

  /** The broker wrote the batch. */
  acknowledged(batch: ProducerBatch): void {
    if (!this.isCurrent(batch)) return;
    const s = this.sequences(batch);
    s.lastAcked = (batch.baseSequence + batch.recordCount - 1) % 2 ** 31;
  }

  private isCurrent(batch: ProducerBatch): boolean {
    return batch.producerId === this.producerId && batch.producerEpoch === this.producerEpoch;
  }

  /** How a sequence-related error code is handled (Kafka's Sender.canRetry and TransactionManager). */
  verdict(batch: ProducerBatch, errorCode: number): SequenceVerdict {
    switch (errorCode) {
      case ErrorCode.DUPLICATE_SEQUENCE_NUMBER:
        return SequenceVerdict.Duplicate;
      case ErrorCode.OUT_OF_ORDER_SEQUENCE_NUMBER: {
        // Refused because a batch before it is missing: that one is being retried, and this one follows it.
        if (!this.isCurrent(batch)) return SequenceVerdict.Retry;
        const s = this.sequences(batch);
        return batch.baseSequence !== (s.lastAcked + 1) % 2 ** 31 ? SequenceVerdict.Retry : SequenceVerdict.Fail;
      }
      case ErrorCode.UNKNOWN_PRODUCER_ID:
        // The broker forgot the producer (its records left the log): a new id, and the batch numbered again.
        this.reset(`the broker does not know producer ${batch.producerId} (${batch})`);
        return SequenceVerdict.Retry;
      case ErrorCode.INVALID_PRODUCER_EPOCH:
      case ErrorCode.PRODUCER_FENCED:
        return SequenceVerdict.Fail;
      default:
        return SequenceVerdict.Usual;
    }
  }

  /**
   * A numbered batch will never be written (it failed or expired): the
   * partition's later sequences would leave a gap the broker refuses, so the
   * producer starts over with a new id.
   */
  abandoned(batch: ProducerBatch, why: string): void {
    if (batch.baseSequence >= 0 && this.isCurrent(batch)) this.reset(`${batch} was not written (${why})`);
  }

  private reset(why: string): void {
    if (!this.hasProducerId) return;
    this.log(`producer id ${this.producerId} given up: ${why}`);
    this.producerId = -1;
    this.producerEpoch = -1;
    this.partitions.clear();
  }
}
