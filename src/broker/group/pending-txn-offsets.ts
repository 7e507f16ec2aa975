import { tpKey } from '../../protocol/topic-partition.js';
import type { CommittedOffset } from './group-metadata.js';

/** A transactional offset commit waiting for its transaction's end. */
export interface PendingTxnOffset {
  topic: string;
  partition: number;
  offset: CommittedOffset;
}

/**
 * A group's offsets committed inside transactions (TxnOffsetCommit) whose
 * transactions have not ended, per producer id (Kafka's
 * pendingTransactionalOffsetCommits). A COMMIT marker in the group's
 * __consumer_offsets partition makes a producer's pending offsets the
 * group's; an ABORT marker drops them. An entry is added before its write and
 * gets its batch's offset once written: only written ones are committed,
 * and only over an offset written before them.
 */
export class PendingTxnOffsets {
  private readonly byProducer = new Map<number, Map<string, PendingTxnOffset>>();

  get isEmpty(): boolean {
    return this.byProducer.size === 0;
  }

  /** Whether any producer's transaction holds an offset of this partition (OffsetFetch with require_stable answers UNSTABLE_OFFSET_COMMIT then). */
  hasPartition(topic: string, partition: number): boolean {
    const key = tpKey(topic, partition);
    for (const offsets of this.byProducer.values()) if (offsets.has(key)) return true;
    return false;
  }

  hasProducer(producerId: number): boolean {
    return this.byProducer.has(producerId);
  }

  /** Offsets of a TxnOffsetCommit about to be written (or read from the log: then with their batch offset). */
  add(producerId: number, offsets: readonly PendingTxnOffset[]): void {
    let pending = this.byProducer.get(producerId);
    if (!pending) this.byProducer.set(producerId, (pending = new Map()));
    for (const o of offsets) pending.set(tpKey(o.topic, o.partition), o);
  }

  /** The write of these offsets succeeded at `batchOffset`, unless the transaction ended meanwhile. */
  written(producerId: number, offsets: readonly PendingTxnOffset[], batchOffset: number): void {
    const pending = this.byProducer.get(producerId);
    for (const o of offsets) {
      const entry = pending?.get(tpKey(o.topic, o.partition));
      if (entry === o) entry.offset = { ...entry.offset, appendedBatchOffset: batchOffset };
    }
  }

  /** The write failed: these offsets are forgotten (a later commit of the same partition stays). */
  failed(producerId: number, offsets: readonly PendingTxnOffset[]): void {
    const pending = this.byProducer.get(producerId);
    if (!pending) return;
    for (const o of offsets) {
      const key = tpKey(o.topic, o.partition);
      if (pending.get(key) === o) pending.delete(key);
    }
    if (pending.size === 0) this.byProducer.delete(producerId);
  }

  /** The producer's transaction ended: its written offsets, to be committed on COMMIT; forgotten either way. */
  complete(producerId: number): PendingTxnOffset[] {
    const pending = this.byProducer.get(producerId);
    this.byProducer.delete(producerId);
    return pending ? [...pending.values()].filter((o) => o.offset.appendedBatchOffset !== undefined) : [];
  }

  /** Forgets a partition's pending offsets (OffsetDelete, DeleteGroups). */
  remove(topic: string, partition: number): void {
    const key = tpKey(topic, partition);
    for (const [producerId, pending] of this.byProducer) {
      pending.delete(key);
      if (pending.size === 0) this.byProducer.delete(producerId);
    }
  }
}
