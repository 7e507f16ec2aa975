import { controlTypeOf } from '../../storage/log/cleaner/cleaner-transactions.js';
import { ControlRecordType } from '../../storage/record/control-record.js';
import { decodeRecords } from '../../storage/record/record.js';
import { scanBatches } from '../../storage/record/record-batch-scan.js';

export interface AbortedTransaction {
  producerId: number;
  firstOffset: number;
}

export interface ConsumedRecord {
  offset: number;
  value: string | null;
}

/**
 * What a read_committed consumer keeps of fetched batches given the fetch's
 * aborted transactions, as Kafka's consumer does it (CompletedFetch): an
 * aborted transaction's producer is skipped from the batch where the
 * transaction starts until its ABORT marker; control batches are never
 * returned. Tests compare this with the records they expect to be visible.
 */
export function committedRecords(bytes: Buffer, aborted: readonly AbortedTransaction[]): ConsumedRecord[] {
  const pending = [...aborted].sort((a, b) => a.firstOffset - b.firstOffset);
  const abortedProducers = new Set<number>();
  const out: ConsumedRecord[] = [];
  for (const batch of scanBatches(Buffer.from(bytes)).batches) {
    if (batch.producerId >= 0) {
      while (pending.length > 0 && pending[0]!.firstOffset <= batch.lastOffset) abortedProducers.add(pending.shift()!.producerId);
      if (batch.isControl && controlTypeOf(batch) === ControlRecordType.Abort) abortedProducers.delete(batch.producerId);
      else if (batch.isTransactional && abortedProducers.has(batch.producerId)) continue;
    }
    if (batch.isControl) continue;
    for (const r of decodeRecords(batch)) out.push({ offset: r.offset, value: r.value?.toString() ?? null });
  }
  return out;
}
