import type { RecordBatchView } from '../record/record-batch-view.js';
import { InvalidProducerEpochError, OutOfOrderSequenceError } from './log-errors.js';

/** How many recent batches per producer are remembered to recognise a retried one (Kafka keeps 5, the most a producer has in flight). */
const RETAINED_BATCHES = 5;
const INT32_MAX = 2 ** 31 - 1;

interface BatchMetadata {
  firstSequence: number;
  lastSequence: number;
  baseOffset: number;
  lastOffset: number;
}

interface ProducerEntry {
  epoch: number;
  batches: BatchMetadata[];
}

/** A retried batch the log already holds: the append answers with where it went the first time. */
export interface DuplicateBatch {
  baseOffset: number;
  lastOffset: number;
}

function nextSequence(sequence: number): number {
  return sequence === INT32_MAX ? 0 : sequence + 1;
}

/**
 * Idempotent producers (Kafka's ProducerStateManager, in memory): per
 * producer id, the epoch and the sequence numbers of its last batches, so a
 * retried batch is not written twice and a gap in sequences is refused.
 * State is not persisted (no .snapshot files yet): after a restart a known
 * producer is accepted from whatever sequence it continues with.
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
    const last = first + batch.lastOffsetDelta;
    for (const seen of entry.batches) {
      if (seen.firstSequence === first && seen.lastSequence === last) return { baseOffset: seen.baseOffset, lastOffset: seen.lastOffset };
    }
    const expected = nextSequence(entry.batches[entry.batches.length - 1]?.lastSequence ?? -1);
    if (entry.batches.length > 0 && first !== expected) throw new OutOfOrderSequenceError(producerId, first, expected);
    return undefined;
  }

  /** Records a batch just appended (its offsets already assigned). */
  update(batch: RecordBatchView): void {
    const producerId = batch.producerId;
    if (producerId < 0 || batch.isControl) return;
    let entry = this.producers.get(producerId);
    if (!entry || batch.producerEpoch > entry.epoch) {
      entry = { epoch: batch.producerEpoch, batches: [] };
      this.producers.set(producerId, entry);
    }
    entry.batches.push({ firstSequence: batch.baseSequence, lastSequence: batch.baseSequence + batch.lastOffsetDelta, baseOffset: batch.baseOffset, lastOffset: batch.lastOffset });
    if (entry.batches.length > RETAINED_BATCHES) entry.batches.shift();
  }

  /** Forgets everything (after a truncation the remembered offsets may no longer exist). */
  clear(): void {
    this.producers.clear();
  }

  get producerCount(): number {
    return this.producers.size;
  }
}
