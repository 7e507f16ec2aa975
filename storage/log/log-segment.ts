import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import type { LogDirectory, StorageObject } from '../backend/storage-backend.js';
import type { LogConfig } from '../config/log-config.js';
import { LOG_OVERHEAD, RECORD_BATCH_OVERHEAD } from '../record/record-batch-layout.js';
import { sizeOfBatchAt } from '../record/record-batch-scan.js';
import { RecordBatchView } from '../record/record-batch-view.js';
import { segmentFileNames } from './log-file-names.js';
import { OffsetIndex } from './offset-index.js';
import type { CompletedTxn, ProducerStateManager } from './producer-state.js';
import { TimeIndex } from './time-index.js';
import { type AbortedTxn, TransactionIndex } from './transaction-index.js';

/** The `.txnindex` entry of a transaction a marker just aborted (computed before the transaction is marked complete). */
export function abortedTxnOf(txn: CompletedTxn, producerState: ProducerStateManager): AbortedTxn {
  return { producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: producerState.lastStableOffsetAfter(txn) };
}

/** The bytes a read returns: whole batches as stored, plus where they are. */
export interface SegmentRead {
  bytes: Buffer;
  firstOffset: number;
  /** Byte position of the first batch in the `.log`. */
  position: number;
}

/**
 * One segment: a `.log` of record batches exactly as Kafka stores them, its
 * sparse `.index`, its `.timeindex` and, once it holds an ABORT marker, its
 * `.txnindex`. Appends write batches as given; reads return stored bytes
 * without decoding records.
 */
export class LogSegment {
  private bytesSinceLastIndexEntry = 0;
  /** Largest timestamp in the segment and the offset that holds it (-1 when empty). */
  maxTimestamp = -1;
  offsetOfMaxTimestamp = -1;
  /** The offset after the last batch (the base offset while empty). */
  nextOffset: number;
  /**
   * segment.ms counts from the largest timestamp of the segment's first batch
   * (Kafka's rollingBasedTimestamp), so rolling follows record time and
   * survives restarts; -1 while the segment is empty or that batch has none.
   */
  rollingBasedTimestamp = -1;
  /** When this segment object was created or opened: the clock for segment.ms when records carry no timestamps. */
  readonly createdMs = Date.now();

  private constructor(
    readonly baseOffset: number,
    readonly log: StorageObject,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    readonly txnIndex: TransactionIndex,
    private readonly config: LogConfig,
  ) {
    this.nextOffset = baseOffset;
  }

  /** `suffix` opens the files under a temporary name: the cleaner writes `.cleaned` segments, recovery reads `.swap` ones. */
  static async open(dir: LogDirectory, baseOffset: number, config: LogConfig, create: boolean, suffix = ''): Promise<LogSegment> {
    const [logName, indexName, timeIndexName] = segmentFileNames(baseOffset, suffix);
    const log = await dir.open(logName, { create });
    const offsetIndex = await OffsetIndex.open(await dir.open(indexName, { create: true, preallocate: config.segmentIndexBytes }), baseOffset, config.segmentIndexBytes);
    const timeIndex = await TimeIndex.open(await dir.open(timeIndexName, { create: true, preallocate: config.segmentIndexBytes }), baseOffset, config.segmentIndexBytes);
    const txnIndex = await TransactionIndex.open(dir, baseOffset, suffix);
    return new LogSegment(baseOffset, log, offsetIndex, timeIndex, txnIndex, config);
  }

  get size(): number {
    return this.log.size;
  }

  /**
   * Appends validated batches that already carry their offsets, as one write.
   * Index entries are added every index.interval.bytes, per batch.
   */
  async append(bytes: Buffer, batches: readonly RecordBatchView[]): Promise<void> {
    this.appended(await this.log.append(bytes), batches);
    await this.offsetIndex.writeFullBlock();
    await this.timeIndex.writeFullBlock();
  }

  /** Whether `appendSync` is available: the backend writes with plain system calls (file, mmap). */
  get canAppendSync(): boolean {
    return this.log.appendSync !== undefined;
  }

  /** `append` completed before returning, on backends that can (`canAppendSync`). */
  appendSync(bytes: Buffer, batches: readonly RecordBatchView[]): void {
    this.appended(this.log.appendSync!(bytes), batches);
  }

  private appended(start: number, batches: readonly RecordBatchView[]): void {
    if (start === 0) this.rollingBasedTimestamp = batches[0]?.maxTimestamp ?? -1;
    for (const batch of batches) this.track(batch, start + batch.start);
  }

  /** Reads the batch header at `position`; undefined past the end. */
  private async headerAt(position: number): Promise<RecordBatchView | undefined> {
    if (this.log.size - position < RECORD_BATCH_OVERHEAD) return undefined;
    // A buffer per call: reads of one segment run concurrently (fetches, the cleaner, the coordinator's
    // loads) and interleave at every await, so a shared one would be overwritten under a caller's view.
    const header = Buffer.allocUnsafe(RECORD_BATCH_OVERHEAD);
    await this.log.readInto(position, header);
    return new RecordBatchView(header);
  }

  /** Byte position of the first batch whose last offset is ≥ `offset`, or -1. */
  async positionOf(offset: number): Promise<number> {
    let position = this.offsetIndex.lookup(offset).position;
    for (;;) {
      const header = await this.headerAt(position);
      if (!header) return -1;
      if (header.lastOffset >= offset) return position;
      position += header.sizeInBytes;
    }
  }

  /**
   * Batches from the one holding `offset`, up to `maxBytes` — except that the
   * first batch is returned whole even when larger, so a consumer never stalls.
   */
  async read(offset: number, maxBytes: number, maxPosition = this.log.size): Promise<SegmentRead | undefined> {
    const position = await this.positionOf(offset);
    if (position < 0 || position >= maxPosition) return undefined;
    const first = (await this.headerAt(position))!;
    const firstOffset = first.baseOffset;
    // One read of the whole window, then cut it after the last whole batch that fits.
    const window = Math.max(first.sizeInBytes, Math.min(maxBytes, maxPosition - position));
    const bytes = await this.log.read(position, window);
    let end = first.sizeInBytes;
    for (;;) {
      const size = sizeOfBatchAt(bytes, end);
      if (size < 0) break;
      end += size;
    }
    return { bytes: bytes.subarray(0, end), firstOffset, position };
  }

  /**
   * The headers of the batches from the one holding `offset` to the
   * segment's end, control batches whole (their one small record says which
   * transaction marker they are); nothing else of the data is read.
   */
  async *headersFrom(offset: number): AsyncGenerator<RecordBatchView> {
    let position = await this.positionOf(offset);
    if (position < 0) return;
    for (let header = await this.headerAt(position); header; header = await this.headerAt(position)) {
      yield header.isControl ? new RecordBatchView(await this.log.read(position, header.sizeInBytes)) : header;
      position += header.sizeInBytes;
    }
  }

  /**
   * The offset of the first batch after `position + fetchSize` bytes as the
   * offset index knows it (Kafka's fetchUpperBoundOffset): a read_committed
   * fetch that read that much from `position` reports the aborted
   * transactions below it. Undefined when the index has no entry that far.
   */
  fetchUpperBoundOffset(position: number, fetchSize: number): number | undefined {
    return this.offsetIndex.firstOffsetAtOrAfterPosition(position + fetchSize);
  }

  /** Earliest batch whose max timestamp is ≥ `timestamp`: its position, via the time index. */
  async findByTimestamp(timestamp: number): Promise<RecordBatchView | undefined> {
    const entry = this.timeIndex.lookup(timestamp);
    let position = entry ? this.offsetIndex.lookup(entry.offset).position : 0;
    for (;;) {
      const header = await this.headerAt(position);
      if (!header) return undefined;
      if (header.maxTimestamp >= timestamp) {
        return new RecordBatchView(await this.log.read(position, header.sizeInBytes));
      }
      position += header.sizeInBytes;
    }
  }

  /**
   * Re-reads the whole segment, validating every batch and rebuilding the
   * indexes; cuts the segment at the first invalid or partial batch. Returns
   * the bytes cut (0 when the segment was whole). Given the producer state as
   * of the segment's base offset, it also brings that state to the segment's
   * end and rebuilds the `.txnindex` from the markers met, as Kafka's
   * recovery does; without it the `.txnindex` is left as it is.
   */
  async recover(producerState?: ProducerStateManager): Promise<number> {
    if (producerState) await this.txnIndex.reset();
    await this.offsetIndex.truncateTo(this.baseOffset);
    await this.timeIndex.truncateTo(this.baseOffset);
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.nextOffset = this.baseOffset;
    let position = 0;
    const size = this.log.size;
    while (position < size) {
      const header = await this.headerAt(position);
      if (!header || header.batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || position + header.sizeInBytes > size) break;
      const batch = new RecordBatchView(await this.log.read(position, header.sizeInBytes));
      try {
        batch.validate();
      } catch (error) {
        if (error instanceof CorruptRecordError) break;
        throw error;
      }
      if (batch.baseOffset < this.nextOffset) break; // offsets must grow
      this.track(batch, position);
      if (producerState) await this.replayIntoTxnIndex(producerState, batch);
      position += batch.sizeInBytes;
    }
    await this.offsetIndex.writeFullBlock();
    await this.timeIndex.writeFullBlock();
    const cut = size - position;
    if (cut > 0) await this.log.truncate(position);
    return cut;
  }

  /** A recovered batch applied to the producer state; a transaction it aborts goes into the `.txnindex`. */
  private async replayIntoTxnIndex(producerState: ProducerStateManager, batch: RecordBatchView): Promise<void> {
    const completed = producerState.update(batch);
    if (!completed) return;
    if (completed.isAborted) await this.txnIndex.append(abortedTxnOf(completed, producerState));
    producerState.completeTxn(completed);
  }

  /** Index bookkeeping for a batch now in the log at `position`. */
  private track(batch: RecordBatchView, position: number): void {
    if (batch.maxTimestamp > this.maxTimestamp) {
      this.maxTimestamp = batch.maxTimestamp;
      this.offsetOfMaxTimestamp = batch.lastOffset;
    }
    if (this.bytesSinceLastIndexEntry > this.config.indexIntervalBytes) {
      this.offsetIndex.add(batch.lastOffset, position);
      this.timeIndex.maybeAdd(this.maxTimestamp, this.offsetOfMaxTimestamp);
      this.bytesSinceLastIndexEntry = 0;
    }
    this.bytesSinceLastIndexEntry += batch.sizeInBytes;
    this.nextOffset = batch.nextOffset;
  }

  /** Removes every batch at or after `offset`. */
  async truncateTo(offset: number): Promise<void> {
    const position = await this.positionOf(offset);
    if (position < 0) return;
    const header = (await this.headerAt(position))!;
    // A batch straddling `offset` goes whole: batches are never split.
    await this.log.truncate(position);
    await this.offsetIndex.truncateTo(header.baseOffset);
    await this.timeIndex.truncateTo(header.baseOffset);
    await this.txnIndex.truncateTo(header.baseOffset);
    await this.loadTailState();
  }

  /**
   * Finds the next offset and the largest timestamp of a segment opened from
   * disk: from the last index entries, walking only the batches after them.
   */
  async loadTailState(): Promise<void> {
    const last = this.offsetIndex.lookup(Number.MAX_SAFE_INTEGER);
    const lastTime = this.timeIndex.lookup(Number.MAX_SAFE_INTEGER);
    this.nextOffset = this.baseOffset;
    this.rollingBasedTimestamp = (await this.headerAt(0))?.maxTimestamp ?? -1;
    this.maxTimestamp = lastTime?.timestamp ?? -1;
    this.offsetOfMaxTimestamp = lastTime?.offset ?? -1;
    for (let position = last.position; ; ) {
      const header = await this.headerAt(position);
      if (!header) break;
      if (header.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = header.maxTimestamp;
        this.offsetOfMaxTimestamp = header.lastOffset;
      }
      this.nextOffset = header.nextOffset;
      position += header.sizeInBytes;
    }
  }

  async flush(): Promise<void> {
    await this.log.flush();
    await this.offsetIndex.flush();
    await this.timeIndex.flush();
    await this.txnIndex.flush();
  }

  async close(): Promise<void> {
    await this.log.close();
    await this.offsetIndex.close();
    await this.timeIndex.close();
    await this.txnIndex.close();
  }
}
