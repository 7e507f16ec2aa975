import { CorruptRecordError } from '../../../codecs/corrupt-record-error.js';
import { decodeRecords } from '../../record/record.js';
import { MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD } from '../../record/record-batch-layout.js';
import { scanBatches } from '../../record/record-batch-scan.js';
import { RecordBatchView } from '../../record/record-batch-view.js';
import type { AbortedTxn } from '../transaction-index.js';
import { BatchOutput, type FilterContext, filterBatch } from './batch-filter.js';
import type { CleanerRequest, CoreOptions, FilterChunkReply, FinishMapReply, MapChunkReply, SerializedError } from './cleaner-protocol.js';
import { type CleanerStats, emptyCleanerStats } from './cleaner-stats.js';
import { CleanedTransactions, controlTypeOf } from './cleaner-transactions.js';
import { HashedOffsets } from './hashed-offsets.js';
import { hashKey } from './key-hash.js';
import { OffsetMap } from './offset-map.js';
import { type UncleanableBatch, UncleanableBatches } from './uncleanable-batches.js';

/** A reply and the buffers it moves to the other thread. */
export interface Handled {
  readonly value: unknown;
  readonly transfer: ArrayBuffer[];
}

/**
 * The cleaner's per-record work, with no I/O: it sees segments only as chunks
 * of whole batches handed to it in order (see cleaner-protocol.ts). It owns
 * the offset map of the cleaning and the producers' last batches, decodes
 * records, hashes keys, decides what to keep (batch-filter.ts) and rebuilds
 * batches with the record builder and codecs. It runs in the cleaner's worker
 * thread (cleaner-worker.ts), or in the main thread as a fallback.
 */
export class CleanerCore {
  private readonly map: OffsetMap;
  private readonly output: BatchOutput;
  private readonly hash = new Int32Array(4);
  private stats: CleanerStats = emptyCleanerStats();
  /** The map's view of the dirty section's transactions: aborted ones are not mapped. */
  private transactions = new CleanedTransactions([]);
  private lastBatchOfProducer = new Map<number, number>();
  private start = 0;
  private end = 0;
  /** The map is full: chunks still in flight are ignored. */
  private full = false;
  /** The current segment's walk stopped (a batch at or past the end): its remaining chunks are ignored. */
  private segmentDone = false;
  private filter: FilterContext | undefined;
  private uncleanable = new UncleanableBatches();
  /** A batch's keys wait here until all its records have been read: a batch that cannot be read to its end maps none. */
  private readonly staged = new HashedOffsets(256);

  constructor(options: CoreOptions) {
    this.map = new OffsetMap(options.dedupeBufferSize, options.dedupeBufferLoadFactor);
    this.output = new BatchOutput(options.ioBufferSize);
  }

  handle(request: CleanerRequest): Handled {
    switch (request.op) {
      case 'beginMap':
        this.beginMap(request.start, request.end, request.uncleanable, request.aborted);
        return { value: undefined, transfer: [] };
      case 'mapChunk': {
        const value: MapChunkReply = { chunk: request.chunk, ...this.mapChunk(Buffer.from(request.chunk, 0, request.length)) };
        return { value, transfer: [request.chunk] };
      }
      case 'endMapSegment':
        if (!this.full) this.map.latestOffset = Math.max(this.map.latestOffset, request.nextStart - 1);
        this.segmentDone = false;
        return { value: undefined, transfer: [] };
      case 'finishMap':
        return { value: this.finishMap(), transfer: [] };
      case 'producerHeaders':
        this.producerHeaders(Buffer.from(request.chunk, 0, request.length));
        return { value: { chunk: request.chunk }, transfer: [request.chunk] };
      case 'beginFilter':
        this.filter = {
          map: this.map,
          now: request.now,
          deleteRetentionMs: request.deleteRetentionMs,
          transactions: new CleanedTransactions([]),
          lastBatchOfProducer: this.lastBatchOfProducer,
          upperBoundOffset: request.upperBoundOffset,
          uncleanable: this.uncleanable,
          stats: this.stats,
        };
        return { value: undefined, transfer: [] };
      case 'beginGroup':
        if (!this.filter) throw new Error('beginGroup before beginFilter');
        this.filter.transactions = new CleanedTransactions(request.aborted);
        return { value: undefined, transfer: [] };
      case 'filterChunk': {
        this.output.recycle(request.spareOutputs);
        const taken = this.filterChunk(Buffer.from(request.chunk, 0, request.length));
        const retainedAborted = this.filter!.transactions.takeRetainedAborted();
        const value: FilterChunkReply = {
          chunk: request.chunk,
          output: taken?.buffer ?? null,
          outputLength: taken?.length ?? 0,
          starts: taken?.starts ?? [],
          retainedAborted,
        };
        return { value, transfer: taken ? [request.chunk, taken.buffer] : [request.chunk] };
      }
      case 'stats':
        return { value: { ...this.stats }, transfer: [] };
      case 'uncleanableFound':
        return { value: [...this.uncleanable.found], transfer: [] };
      case 'dispose':
        return { value: undefined, transfer: [] };
    }
  }

  private beginMap(start: number, end: number, uncleanable: readonly UncleanableBatch[], aborted: readonly AbortedTxn[]): void {
    this.map.clear();
    this.uncleanable = new UncleanableBatches(uncleanable);
    this.transactions = new CleanedTransactions(aborted);
    this.lastBatchOfProducer = new Map();
    this.stats = emptyCleanerStats();
    this.start = start;
    this.end = end;
    this.full = false;
    this.segmentDone = false;
    this.filter = undefined;
    this.output.reset();
  }

  /**
   * Maps each key of [start, end) in the chunk to its latest offset (Kafka's
   * buildOffsetMap), and notes each producer's last batch. Dirty segments are
   * read from their start, so every batch of the first one is seen for the
   * producers' last batches. Stops when the map is full (`map.latestOffset`
   * then says how far it got) or at a batch at or past the end. A batch whose
   * records cannot be read maps no keys: it will be kept whole; nor does one
   * of an aborted transaction (Kafka's buildOffsetMapForSegment).
   */
  private mapChunk(chunk: Buffer): { more: boolean; full: boolean } {
    if (this.full || this.segmentDone) return { more: false, full: this.full };
    const { map, transactions, start, end } = this;
    for (const batch of scanBatches(chunk).batches) {
      if (batch.baseOffset >= end) {
        this.segmentDone = true;
        return { more: false, full: false };
      }
      const producerId = batch.producerId;
      if (producerId >= 0) this.lastBatchOfProducer.set(producerId, Math.max(this.lastBatchOfProducer.get(producerId) ?? -1, batch.lastOffset));
      if (batch.lastOffset < start) continue;
      if (batch.isControl) {
        transactions.onControlBatch(batch, controlTypeOf(batch));
      } else if (!transactions.onDataBatch(batch) && this.stageKeys(batch)) {
        const { hashes, offsets, count } = this.staged;
        for (let i = 0; i < count; i++) {
          if (map.size >= map.capacity) {
            this.full = true;
            return { more: false, full: true };
          }
          map.putHash(hashes, i * 4, offsets[i]!);
        }
      }
      map.latestOffset = Math.max(map.latestOffset, batch.lastOffset);
    }
    return { more: true, full: false };
  }

  /**
   * Hashes the keys of the batch's records from `start` on into the staging
   * arrays; false, staging nothing, when its records cannot be read (or it is
   * known not to be readable).
   */
  private stageKeys(batch: RecordBatchView): boolean {
    this.staged.clear();
    if (this.uncleanable.has(batch)) return false;
    try {
      for (const record of decodeRecords(batch, { verifyCrc: false })) {
        this.stats.mapRecordsRead++;
        if (record.key === null || record.offset < this.start) continue;
        hashKey(record.key, this.hash);
        this.staged.add(this.hash, 0, record.offset);
      }
      return true;
    } catch (error) {
      if (!this.uncleanable.noteUnreadable(batch, error)) throw error;
      this.staged.clear();
      return false;
    }
  }

  /** Where the cleaning ends: after the mapped offsets (the dirty section ends at or before the last stable offset, so every transaction in it is decided). */
  private finishMap(): FinishMapReply {
    const endOffset = this.map.latestOffset + 1;
    const reply = { endOffset, mapEntries: this.map.size, bufferUtilization: this.map.utilization };
    this.stats.mapEntries = reply.mapEntries;
    this.stats.bufferUtilization = reply.bufferUtilization;
    if (endOffset > this.start) this.map.latestOffset = endOffset - 1;
    return reply;
  }

  /**
   * Completes the producers' last batches from the headers of a segment
   * before the dirty section (Kafka asks its producer state; samsa keeps
   * none, so the cleaner looks at the log itself). The chunk ends where the
   * main thread's walk of the same headers stopped; a batch whose records
   * run past it has its header in it.
   */
  private producerHeaders(chunk: Buffer): void {
    const last = this.lastBatchOfProducer;
    for (let at = 0; chunk.length - at >= RECORD_BATCH_OVERHEAD; ) {
      const header = new RecordBatchView(chunk, at);
      if (header.batchLength < MIN_BATCH_LENGTH)
        throw new CorruptRecordError(`batchLength ${header.batchLength} at chunk byte ${at} is smaller than the ${MIN_BATCH_LENGTH}-byte minimum`);
      const producerId = header.producerId;
      if (producerId >= 0 && (last.get(producerId) ?? -1) < header.lastOffset) last.set(producerId, header.lastOffset);
      at += header.sizeInBytes;
    }
  }

  /** Filters a chunk's batches (see batch-filter.ts) into the output, handed over whole. */
  private filterChunk(chunk: Buffer): ReturnType<BatchOutput['take']> {
    const context = this.filter;
    if (!context) throw new Error('filterChunk before beginFilter');
    this.output.reset();
    for (const batch of scanBatches(chunk).batches) filterBatch(batch, context, this.output);
    return this.output.take();
  }
}

/** The errors a core throws that the main thread recognises by class. */
export function serializeError(error: unknown): SerializedError {
  if (error instanceof Error) return { name: error.name, message: error.message, stack: error.stack };
  return { name: 'Error', message: String(error) };
}

export function deserializeError(error: SerializedError): Error {
  const rebuilt =
    error.name === 'CorruptRecordError'
      ? new CorruptRecordError(error.message)
      : error.name === 'RangeError'
        ? new RangeError(error.message)
        : new Error(error.message);
  if (error.name !== rebuilt.name) rebuilt.name = error.name;
  if (error.stack) rebuilt.stack = `${rebuilt.name}: ${error.message}\n    at the cleaner's worker thread:\n${error.stack.split('\n').slice(1).join('\n')}`;
  return rebuilt;
}
