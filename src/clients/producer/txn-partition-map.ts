import { incrementSequence } from '../../../storage/record/sequence.js';
import { tpKey } from '../../protocol/topic-partition.js';
import { IllegalStateError } from '../network/errors.js';
import type { ProducerBatch } from './producer-batch.js';

/** A producer id and the epoch it is used with. */
export interface ProducerIdAndEpoch {
  readonly producerId: number;
  readonly epoch: number;
}

export const NO_PRODUCER_ID_AND_EPOCH: ProducerIdAndEpoch = Object.freeze({ producerId: -1, epoch: -1 });

export const NO_LAST_ACKED_SEQUENCE = -1;

/** Batches of one partition ordered as Java's TxnPartitionEntry orders them: producer id, epoch, then sequence. */
function compareBatches(a: ProducerBatch, b: ProducerBatch): number {
  return a.producerId - b.producerId || a.producerEpoch - b.producerEpoch || a.baseSequence - b.baseSequence;
}

/**
 * What an idempotent producer tracks for one partition (Kafka's
 * TxnPartitionEntry): the producer id and epoch its batches use, the
 * sequence the next batch gets, the last sequence and offset the broker
 * acknowledged, and the batches sent but not completed, in sequence order
 * (so a retry can wait until it is the first of them).
 */
export class TxnPartitionEntry {
  producerIdAndEpoch = NO_PRODUCER_ID_AND_EPOCH;
  nextSequence = 0;
  lastAckedSequence = NO_LAST_ACKED_SEQUENCE;
  lastAckedOffset = -1;
  /** Few (max.in.flight per partition at most, plus retries): a sorted array does. */
  private inFlight: ProducerBatch[] = [];

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get hasInFlightBatches(): boolean {
    return this.inFlight.length > 0;
  }

  /** The in-flight batch with the lowest sequence. */
  get firstInFlight(): ProducerBatch | undefined {
    return this.inFlight[0];
  }

  addInFlightBatch(batch: ProducerBatch): void {
    let at = this.inFlight.length;
    while (at > 0 && compareBatches(this.inFlight[at - 1]!, batch) > 0) at--;
    this.inFlight.splice(at, 0, batch);
  }

  removeInFlightBatch(batch: ProducerBatch): void {
    const at = this.inFlight.indexOf(batch);
    if (at >= 0) this.inFlight.splice(at, 1);
  }

  incrementSequence(increment: number): void {
    this.nextSequence = incrementSequence(this.nextSequence, increment);
  }

  maybeUpdateLastAckedSequence(sequence: number): number {
    if (sequence > this.lastAckedSequence) this.lastAckedSequence = sequence;
    return this.lastAckedSequence;
  }

  /** Moves the partition to a new producer id or epoch: its in-flight batches are renumbered from 0, in order. */
  startSequencesAtBeginning(next: ProducerIdAndEpoch): void {
    let sequence = 0;
    for (const batch of this.inFlight) {
      batch.resetProducerState(next.producerId, next.epoch, sequence);
      sequence += batch.recordCount;
    }
    this.inFlight.sort(compareBatches);
    this.producerIdAndEpoch = next;
    this.nextSequence = sequence;
    this.lastAckedSequence = NO_LAST_ACKED_SEQUENCE;
  }

  /**
   * A batch the broker refused for good: later batches of the partition take
   * its sequences over, so they do not fail with out-of-order sequences.
   */
  adjustSequencesDueToFailedBatch(baseSequence: number, recordCount: number): void {
    const next = this.nextSequence - recordCount;
    if (next < 0) throw new IllegalStateError(`Sequence number for partition ${this.topic}-${this.partition} is going to become negative: ${next}`);
    this.nextSequence = next;
    for (const batch of this.inFlight) {
      if (batch.baseSequence < baseSequence) continue;
      const sequence = batch.baseSequence - recordCount;
      if (sequence < 0)
        throw new IllegalStateError(
          `Sequence number for batch with sequence ${batch.baseSequence} for partition ${this.topic}-${this.partition} is going to become negative: ${sequence}`,
        );
      batch.resetProducerState(batch.producerId, batch.producerEpoch, sequence);
    }
    this.inFlight.sort(compareBatches);
  }
}

/** The producer's TxnPartitionEntry of every partition it has sent to (Kafka's TxnPartitionMap). */
export class TxnPartitionMap {
  private readonly entries = new Map<string, TxnPartitionEntry>();

  get(topic: string, partition: number): TxnPartitionEntry | undefined {
    return this.entries.get(tpKey(topic, partition));
  }

  getOrCreate(topic: string, partition: number): TxnPartitionEntry {
    const key = tpKey(topic, partition);
    let entry = this.entries.get(key);
    if (!entry) this.entries.set(key, (entry = new TxnPartitionEntry(topic, partition)));
    return entry;
  }

  remove(topic: string, partition: number): void {
    this.entries.delete(tpKey(topic, partition));
  }

  reset(): void {
    this.entries.clear();
  }
}
