import { ControlRecordType, readControlRecordType } from '../../record/control-record.js';
import { decodeRecords } from '../../record/record.js';
import type { RecordBatchView } from '../../record/record-batch-view.js';
import type { AbortedTxn } from '../transaction-index.js';

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

interface OngoingAborted {
  readonly txn: AbortedTxn;
  /** A batch of the transaction was read in this pass (and dropped). */
  dataRead: boolean;
}

/**
 * Which transactions the batches read in a pass of the cleaner belong to,
 * and what that decides (Kafka's CleanedTransactionMetadata). The aborted
 * transactions come from the `.txnindex` files (they are known before their
 * data is met, however far their markers are); a transactional batch of a
 * producer with none of them under way is committed data, since the cleaner
 * never reads past the last stable offset.
 *
 * - A data batch of an aborted transaction is dropped (while building the
 *   offset map its keys are not mapped, so it never supersedes a committed value).
 * - An ABORT marker whose transaction had data read in this pass stays, and
 *   the transaction goes into the cleaned segment's `.txnindex`
 *   (`retainedAborted`); with no data read, the marker may go (after
 *   delete.retention.ms) and its entry is dropped. A COMMIT marker may go when
 *   none of its transaction's data was read. An empty control batch may go.
 */
export class CleanedTransactions {
  private readonly aborted: AbortedTxn[];
  private next = 0;
  private readonly ongoingAborted = new Map<number, OngoingAborted>();
  private readonly ongoingCommitted = new Set<number>();
  /** Aborted transactions whose ABORT marker this pass kept, in marker order: entries for the cleaned segment's `.txnindex`. */
  private retainedAborted: AbortedTxn[] = [];

  constructor(aborted: readonly AbortedTxn[]) {
    this.aborted = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  }

  /** Hands over the entries gathered so far. */
  takeRetainedAborted(): AbortedTxn[] {
    const taken = this.retainedAborted;
    this.retainedAborted = [];
    return taken;
  }

  /** Aborted transactions started at or before `offset` are now under way. */
  private consumeUpTo(offset: number): void {
    while (this.next < this.aborted.length && this.aborted[this.next]!.firstOffset <= offset) {
      const txn = this.aborted[this.next++]!;
      if (!this.ongoingAborted.has(txn.producerId)) this.ongoingAborted.set(txn.producerId, { txn, dataRead: false });
    }
  }

  /** A control batch was read (`type` from controlTypeOf): true when it may go. */
  onControlBatch(batch: RecordBatchView, type: number): boolean {
    this.consumeUpTo(batch.lastOffset);
    if (batch.recordCount === 0) return true; // cleaned before: its transaction is gone
    const producerId = batch.producerId;
    if (type === ControlRecordType.Abort) {
      const ongoing = this.ongoingAborted.get(producerId);
      this.ongoingAborted.delete(producerId);
      if (ongoing?.dataRead) {
        this.retainedAborted.push(ongoing.txn);
        return false;
      }
      return true;
    }
    if (type === ControlRecordType.Commit) return !this.ongoingCommitted.delete(producerId);
    return false;
  }

  /** A data batch was read: true when it belongs to an aborted transaction. */
  onDataBatch(batch: RecordBatchView): boolean {
    this.consumeUpTo(batch.lastOffset);
    if (!batch.isTransactional) return false;
    const ongoing = this.ongoingAborted.get(batch.producerId);
    if (ongoing) {
      ongoing.dataRead = true;
      return true;
    }
    this.ongoingCommitted.add(batch.producerId);
    return false;
  }
}
