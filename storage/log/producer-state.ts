import type { RecordBatchView } from '../record/record-batch-view.js';
import { decrementSequence, incrementSequence } from '../record/sequence.js';
import { InvalidProducerEpochError, OutOfOrderSequenceError } from './log-errors.js';
import type { ProducerSnapshotEntry } from './producer-snapshot.js';

/** How many recent batches per producer are remembered to recognise a retried one (Kafka keeps 5, the most a producer has in flight). */
const RETAINED_BATCHES = 5;

interface BatchMetadata {
  firstSequence: number;
  lastSequence: number;
  baseOffset: number;
  lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: BatchMetadata[];
  /** Max timestamp of the last batch: the producer's age for producer.id.expiration.ms. */
  lastTimestamp: number;
}

/** A retried batch the log already holds: the append answers with where it went the first time. */
export interface DuplicateBatch {
  baseOffset: number;
  lastOffset: number;
}

/**
 * Idempotent producers (Kafka's ProducerStateManager): per producer id, the
 * epoch and the sequence numbers of its last batches, so a retried batch is
 * not written twice and a gap in sequences is refused. The log persists it in
 * `.snapshot` files (producer-snapshot.ts), which keep each producer's last
 * batch, as Kafka's do, and rebuilds the rest from the batches after them.
 */
export class ProducerStateManager {
  private readonly producers = new Map<number, ProducerEntry>();

  /**
   * Checks an idempotent batch before it is written: a duplicate of a recent
   * batch is returned (and must not be appended), an old epoch or a sequence
   * gap throws, anything else is fine.
   */
  check(batch: RecordBatchView): DuplicateBatch | undefined {
    const producerId = batch.producerId;
    if (producerId < 0 || batch.isControl) return undefined;
    const entry = this.producers.get(producerId);
    if (!entry) return undefined;
    const epoch = batch.producerEpoch;
    if (epoch < entry.epoch) throw new InvalidProducerEpochError(producerId, epoch, entry.epoch);
    const first = batch.baseSequence;
    if (epoch > entry.epoch) {
      if (first !== 0) throw new OutOfOrderSequenceError(producerId, first, 0);
      return undefined;
    }
    const last = batch.lastSequence;
    for (const seen of entry.batches) {
      if (seen.firstSequence === first && seen.lastSequence === last) return { baseOffset: seen.baseOffset, lastOffset: seen.lastOffset };
    }
    const previous = entry.batches[entry.batches.length - 1];
    if (!previous) return undefined;
    // After 2^31-1 comes 0 (Kafka's ProducerAppendInfo.inSequence).
    const expected = incrementSequence(previous.lastSequence, 1);
    if (first !== expected) throw new OutOfOrderSequenceError(producerId, first, expected);
    return undefined;
  }

  /** Records a batch just appended (its offsets already assigned). */
  update(batch: RecordBatchView): void {
    const producerId = batch.producerId;
    if (producerId < 0 || batch.isControl) return;
    let entry = this.producers.get(producerId);
    if (!entry || batch.producerEpoch > entry.epoch) {
      entry = { epoch: batch.producerEpoch, batches: [], lastTimestamp: -1 };
      this.producers.set(producerId, entry);
    }
    entry.lastTimestamp = batch.maxTimestamp;
    entry.batches.push({ firstSequence: batch.baseSequence, lastSequence: batch.lastSequence, baseOffset: batch.baseOffset, lastOffset: batch.lastOffset });
    if (entry.batches.length > RETAINED_BATCHES) entry.batches.shift();
  }

  /**
   * Whether the producer has a transaction in progress that this partition
   * is part of, verified by the transaction coordinator (KIP-890): only then
   * may it write transactional batches here. Transactions are not
   * implemented yet, so no producer ever has one; they plug in here.
   */
  hasOngoingTransaction(_producerId: number, _producerEpoch: number): boolean {
    return false;
  }

  /** Forgets everything (after a truncation the remembered offsets may no longer exist). */
  clear(): void {
    this.producers.clear();
  }

  /** Each producer's epoch and last batch, for a snapshot file. */
  snapshotEntries(): ProducerSnapshotEntry[] {
    const entries: ProducerSnapshotEntry[] = [];
    for (const [producerId, entry] of this.producers) {
      const last = entry.batches[entry.batches.length - 1];
      if (!last) continue;
      entries.push({
        producerId,
        epoch: entry.epoch,
        lastSequence: last.lastSequence,
        lastOffset: last.lastOffset,
        offsetDelta: last.lastOffset - last.baseOffset, // Kafka's: offsets, not sequences, which may have wrapped
        timestamp: entry.lastTimestamp,
        coordinatorEpoch: -1,
        currentTxnFirstOffset: -1,
      });
    }
    return entries;
  }

  /** Replaces the state with a snapshot's, leaving out producers idle for `expirationMs` or more. */
  load(entries: readonly ProducerSnapshotEntry[], now: number, expirationMs: number): void {
    this.producers.clear();
    for (const e of entries) {
      const batch = { firstSequence: decrementSequence(e.lastSequence, e.offsetDelta), lastSequence: e.lastSequence, baseOffset: e.lastOffset - e.offsetDelta, lastOffset: e.lastOffset };
      this.producers.set(e.producerId, { epoch: e.epoch, batches: [batch], lastTimestamp: e.timestamp });
    }
    this.removeExpired(now, expirationMs);
  }

  /** Forgets producers whose last batch is older than producer.id.expiration.ms (Kafka's removeExpiredProducers). */
  removeExpired(now: number, expirationMs: number): void {
    for (const [producerId, entry] of this.producers) if (now - entry.lastTimestamp >= expirationMs) this.producers.delete(producerId);
  }

  /** Forgets producers whose last batch is below the log start offset: their data is gone, as Kafka does on DeleteRecords and retention. */
  removeBefore(logStartOffset: number): void {
    for (const [producerId, entry] of this.producers) {
      if ((entry.batches[entry.batches.length - 1]?.lastOffset ?? -1) < logStartOffset) this.producers.delete(producerId);
    }
  }

  get producerCount(): number {
    return this.producers.size;
  }
}
