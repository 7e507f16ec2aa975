import { readControlRecordType } from '../../record/control-record.js';
import { decodeRecords } from '../../record/record.js';
import type { RecordBatchView } from '../../record/record-batch-view.js';
import { HashedOffsets } from './hashed-offsets.js';
import type { OffsetMap } from './offset-map.js';

/**
 * The type of a control batch's record (ControlRecordType: 0 ABORT, 1 COMMIT,
 * others from KRaft), or -1 for an empty (already cleaned) or unreadable one.
 * Control batches hold one small uncompressed record, so this is cheap.
 */
export function controlTypeOf(batch: RecordBatchView): number {
  if (batch.recordCount === 0) return -1;
  try {
    for (const record of decodeRecords(batch, { verifyCrc: false })) return readControlRecordType(record.key);
  } catch {
    return -1;
  }
  return -1;
}

interface Pending {
  /** Base offset of the transaction's first batch seen. */
  firstOffset: number;
  keys: HashedOffsets;
}

/**
 * Transactional records met while building the offset map wait here until
 * their transaction's marker: a COMMIT moves them into the map, an ABORT
 * drops them. Aborted records must never enter the map, or they would
 * supersede committed values of the same keys. Kafka knows aborted
 * transactions in advance from its `.txnindex`; samsa has none yet, so it
 * learns them from the markers, in log order. A transaction still open at the
 * end of the dirty section keeps its records out of the map, and the cleaner
 * stops the cleaned range at its first offset (Kafka's last stable offset).
 */
export class PendingTransactions {
  private readonly pending = new Map<number, Pending>();
  private entries = 0;

  /** Keys waiting, across producers. */
  get size(): number {
    return this.entries;
  }

  /** Notes a transactional data batch: its producer now has an open transaction. */
  begin(producerId: number, baseOffset: number): void {
    if (!this.pending.has(producerId)) {
      this.pending.set(producerId, { firstOffset: baseOffset, keys: new HashedOffsets() });
    }
  }

  /** A key (hashed into `hashes[at..at+3]`) written at `offset` by the producer's open transaction. */
  add(producerId: number, hashes: Int32Array, at: number, offset: number): void {
    this.pending.get(producerId)!.keys.add(hashes, at, offset);
    this.entries++;
  }

  /** A COMMIT marker: the transaction's keys enter the map. */
  commit(producerId: number, map: OffsetMap): void {
    const p = this.pending.get(producerId);
    if (!p) return;
    const { hashes, offsets, count } = p.keys;
    for (let i = 0; i < count; i++) map.putHash(hashes, i * 4, offsets[i]!);
    this.drop(producerId, p);
  }

  /** An ABORT marker: the transaction's keys are forgotten. */
  abort(producerId: number): void {
    const p = this.pending.get(producerId);
    if (p) this.drop(producerId, p);
  }

  private drop(producerId: number, p: Pending): void {
    this.entries -= p.keys.count;
    this.pending.delete(producerId);
  }

  /** The first offset of a transaction still open, or Infinity. */
  firstUndecidedOffset(): number {
    let first = Infinity;
    for (const p of this.pending.values()) first = Math.min(first, p.firstOffset);
    return first;
  }
}

/**
 * While segments are rewritten, which producers have transactional data
 * since their last marker (Kafka's CleanedTransactionMetadata, without the
 * aborted-transaction index). A marker closing a transaction none of whose
 * data is left may go, after delete.retention.ms, as Kafka removes markers of
 * empty transactions.
 */
export class TransactionMarkers {
  private readonly ongoing = new Set<number>();

  /** A transactional data batch was read. */
  onData(producerId: number): void {
    this.ongoing.add(producerId);
  }

  /** A COMMIT or ABORT marker was read: true when its transaction has no data left. */
  onMarker(producerId: number): boolean {
    return !this.ongoing.delete(producerId);
  }
}
