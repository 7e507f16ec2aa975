import { CompressionType } from '../../../codecs/codec.js';
import { decodeRecords, type LogRecord, type RecordHeader } from '../../record/record.js';
import { buildRecordBatch, type RecordInput } from '../../record/record-batch-builder.js';
import { TimestampType } from '../../record/record-batch-layout.js';
import { RecordBatchView } from '../../record/record-batch-view.js';
import type { CleanerStats } from './cleaner-stats.js';
import { type CleanedTransactions, controlTypeOf } from './cleaner-transactions.js';
import type { OffsetMap } from './offset-map.js';
import type { UncleanableBatches } from './uncleanable-batches.js';

/** What deciding a batch's fate needs to know, for one cleaning round. */
export interface FilterContext {
  readonly map: OffsetMap;
  /** The cleaning's clock, fixed for the round (tombstone and marker horizons are compared to it). */
  readonly now: number;
  /** delete.retention.ms: how long tombstones and empty-transaction markers outlive their first cleaning. */
  readonly deleteRetentionMs: number;
  /** The current group's transactions (set anew for each group, as Kafka's cleanSegments does). */
  transactions: CleanedTransactions;
  /** For each producer id, the last offset of its last batch in the cleaned range: that batch stays, even emptied. */
  readonly lastBatchOfProducer: ReadonlyMap<number, number>;
  /** The end of the cleaning round: the batch ending there stays, even emptied, so the log's last offset survives. */
  readonly upperBoundOffset: number;
  /** Batches whose records cannot be read: copied as stored. */
  readonly uncleanable: UncleanableBatches;
  readonly stats: CleanerStats;
}

/** Output buffers kept for reuse: as many as can be in flight between the threads. */
const MAX_SPARE_OUTPUTS = 4;

/**
 * The cleaned bytes of one chunk of a segment: retained batches, copied one
 * after another into one buffer, which `take` hands over whole (to be
 * transferred to the main thread and appended to the cleaned segment in one
 * write). Buffers come back through `recycle` and are filled again, so a
 * cleaning allocates a few, not one per chunk. They are plain ArrayBuffers,
 * never slices of Node's shared Buffer pool, so they can be transferred.
 */
export class BatchOutput {
  private buffer: Buffer | undefined;
  private length = 0;
  private starts: number[] = [];
  private readonly spares: ArrayBuffer[] = [];

  constructor(private readonly initialSize: number) {}

  get isEmpty(): boolean {
    return this.length === 0;
  }

  /** Takes back buffers handed out by `take`. */
  recycle(buffers: Iterable<ArrayBuffer>): void {
    for (const buffer of buffers) if (this.spares.length < MAX_SPARE_OUTPUTS && buffer.byteLength > 0) this.spares.push(buffer);
  }

  add(batch: Buffer): void {
    const needed = this.length + batch.length;
    if (!this.buffer) {
      const spare = this.spares.pop();
      this.buffer = Buffer.from(spare && spare.byteLength >= needed ? spare : new ArrayBuffer(Math.max(this.initialSize, needed)));
    } else if (needed > this.buffer.length) {
      const grown = Buffer.from(new ArrayBuffer(Math.max(this.buffer.length * 2, needed)));
      this.buffer.copy(grown, 0, 0, this.length);
      this.buffer = grown;
    }
    this.starts.push(this.length);
    this.length += batch.copy(this.buffer, this.length);
  }

  /** Hands over the bytes written and where each batch starts in them; the output is then empty. */
  take(): { buffer: ArrayBuffer; length: number; starts: number[] } | undefined {
    if (!this.buffer || this.length === 0) return undefined;
    const taken = { buffer: this.buffer.buffer as ArrayBuffer, length: this.length, starts: this.starts };
    this.buffer = undefined;
    this.length = 0;
    this.starts = [];
    return taken;
  }

  /** Drops what was written (the buffer stays for the next chunk). */
  reset(): void {
    this.length = 0;
    this.starts = [];
  }
}

// A record kept by the filter, as the builder takes it. Objects are pooled and
// reused from batch to batch: a cleaning allocates none per record.
interface KeptRecord {
  key: Buffer | null;
  value: Buffer | null;
  headers: readonly RecordHeader[];
  timestamp: number;
  offsetDelta: number;
}
const pool: KeptRecord[] = [];
const kept: RecordInput[] = [];

function keep(record: LogRecord, baseOffset: number): void {
  const i = kept.length;
  const k = pool[i] ?? (pool[i] = { key: null, value: null, headers: [], timestamp: 0, offsetDelta: 0 });
  k.key = record.key;
  k.value = record.value;
  k.headers = record.headers;
  k.timestamp = record.timestamp;
  k.offsetDelta = record.offset - baseOffset;
  kept.push(k);
}

/**
 * Decides what of one batch survives a cleaning and writes that to `out`, as
 * Kafka's cleaner filter does:
 *
 * - A data record stays if it is the latest for its key in the offset map (or
 *   newer than anything mapped), unless it is a tombstone (null value) whose
 *   batch's delete horizon has passed. Records without a key are dropped.
 * - A data batch of an aborted transaction goes whole (its ABORT is in a
 *   `.txnindex`: see cleaner-transactions.ts).
 * - A control batch stays whole, except that the marker of a transaction with
 *   no data left goes once its delete horizon has passed; an empty control
 *   batch (cleaned before) goes.
 * - A batch left with records is copied as stored when nothing was dropped
 *   and no delete horizon needs setting, else re-encoded: same base and last
 *   offset, leader epoch, producer id, epoch and sequence, attributes and
 *   compression codec; records keep their offsets, timestamps and headers.
 * - The first cleaning that keeps a tombstone (or an empty-transaction
 *   marker) stamps its batch with deleteHorizonMs = now + delete.retention.ms
 *   (KIP-534); a later cleaning after that time removes it.
 * - A batch left with no records goes, unless it is its producer's last
 *   (producer id, epoch and sequence must survive for idempotence) or the last
 *   batch of the cleaning round: those stay as a header without records.
 * - A batch whose records cannot be read (uncleanable-batches.ts) is copied
 *   as stored.
 */
export function filterBatch(batch: RecordBatchView, ctx: FilterContext, out: BatchOutput): void {
  const { stats, map, now } = ctx;
  const count = batch.recordCount;
  stats.bytesRead += batch.sizeInBytes;
  stats.recordsRead += count;
  const producerId = batch.producerId;
  const isControl = batch.isControl;
  const hasHorizon = batch.hasDeleteHorizonMs;
  const horizon = batch.deleteHorizonMs;

  // Whether the batch as a whole may go (Kafka's checkBatchRetention): an
  // aborted transaction's data at once, a marker after its delete horizon.
  const canDiscard = isControl ? ctx.transactions.onControlBatch(batch, controlTypeOf(batch)) : ctx.transactions.onDataBatch(batch);
  const discardRecords = isControl ? canDiscard && hasHorizon && horizon <= now : canDiscard;
  const retainEmpty = (producerId >= 0 && ctx.lastBatchOfProducer.get(producerId) === batch.lastOffset) || batch.nextOffset === ctx.upperBoundOffset;
  if (discardRecords && !retainEmpty) {
    if (isControl) stats.deletesRemoved += count;
    else stats.abortedRecordsRemoved += count;
    return;
  }

  // A control batch kept whole needs no decoding unless its delete horizon must be set.
  if (isControl && !discardRecords && !(canDiscard && !hasHorizon) && count > 0) {
    copyAsStored(batch, stats, out);
    return;
  }
  if (ctx.uncleanable.has(batch)) {
    copyUncleanable(batch, stats, out);
    return;
  }

  kept.length = 0;
  let dropped = 0;
  let tombstones = false;
  if (discardRecords) {
    dropped = count;
    if (isControl) stats.deletesRemoved += count;
    else stats.abortedRecordsRemoved += count;
  } else {
    const baseOffset = batch.baseOffset;
    const latestMapped = map.latestOffset;
    const retainDeletes = !hasHorizon || now < horizon;
    try {
      for (const record of decodeRecords(batch, { verifyCrc: false })) {
        let retain: boolean;
        if (isControl || record.offset > latestMapped) {
          retain = true;
        } else if (record.key === null) {
          stats.invalidRecords++;
          retain = false;
        } else if (record.offset < map.get(record.key)) {
          retain = false; // a later record has the key
        } else if (record.value !== null || retainDeletes) {
          retain = true;
        } else {
          retain = false; // a tombstone past its delete horizon
          stats.deletesRemoved++;
        }
        if (retain) {
          keep(record, baseOffset);
          if (record.value === null) tombstones = true;
        } else {
          dropped++;
        }
      }
    } catch (error) {
      if (!ctx.uncleanable.noteUnreadable(batch, error)) throw error;
      kept.length = 0;
      copyUncleanable(batch, stats, out);
      return;
    }
  }

  if (kept.length > 0) {
    const needHorizon = (tombstones || (isControl && canDiscard)) && !hasHorizon;
    stats.recordsWritten += kept.length;
    if (dropped === 0 && !needHorizon) {
      out.add(batch.bytes);
      stats.bytesWritten += batch.sizeInBytes;
      stats.batchesCopied++;
    } else {
      const rebuilt = buildRecordBatch(kept, {
        baseOffset: batch.baseOffset,
        lastOffsetDelta: batch.lastOffsetDelta,
        partitionLeaderEpoch: batch.partitionLeaderEpoch,
        compression: batch.compression,
        producerId,
        producerEpoch: batch.producerEpoch,
        baseSequence: batch.baseSequence,
        isTransactional: batch.isTransactional,
        isControl,
        logAppendTime: batch.timestampType === TimestampType.LogAppendTime ? batch.maxTimestamp : undefined,
        deleteHorizonMs: needHorizon ? now + ctx.deleteRetentionMs : hasHorizon ? horizon : undefined,
      });
      out.add(rebuilt);
      stats.bytesWritten += rebuilt.length;
      stats.batchesRewritten++;
    }
  } else if (retainEmpty) {
    const empty = emptyBatchLike(batch);
    out.add(empty);
    stats.bytesWritten += empty.length;
    stats.batchesRewritten++;
  }
  kept.length = 0;
}

function copyAsStored(batch: RecordBatchView, stats: CleanerStats, out: BatchOutput): void {
  out.add(batch.bytes);
  stats.recordsWritten += batch.recordCount;
  stats.bytesWritten += batch.sizeInBytes;
  stats.batchesCopied++;
}

function copyUncleanable(batch: RecordBatchView, stats: CleanerStats, out: BatchOutput): void {
  copyAsStored(batch, stats, out);
  stats.uncleanableBatches++;
}

/**
 * A batch header with no records standing for `batch`: its offsets, producer
 * fields, flags, timestamp type and max timestamp (Kafka's writeEmptyHeader).
 */
function emptyBatchLike(batch: RecordBatchView): Buffer {
  const empty = buildRecordBatch([], {
    baseOffset: batch.baseOffset,
    lastOffsetDelta: batch.lastOffsetDelta,
    partitionLeaderEpoch: batch.partitionLeaderEpoch,
    compression: CompressionType.None,
    producerId: batch.producerId,
    producerEpoch: batch.producerEpoch,
    baseSequence: batch.baseSequence,
    isTransactional: batch.isTransactional,
    isControl: batch.isControl,
  });
  new RecordBatchView(empty).setMaxTimestamp(batch.timestampType, batch.maxTimestamp);
  return empty;
}
