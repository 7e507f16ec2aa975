import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import type { PooledBytes } from '../backend/buffer-pool.js';
import type { LogDirectory, StorageObject } from '../backend/storage-backend.js';
import type { LogConfig } from '../config/log-config.js';
import { CURRENT_MAGIC, LOG_OVERHEAD, MIN_BATCH_LENGTH, RECORD_BATCH_OVERHEAD } from '../record/record-batch-layout.js';
import { sizeOfBatchAt } from '../record/record-batch-scan.js';
import { RecordBatchView } from '../record/record-batch-view.js';
import { SegmentRead } from './fetch-data.js';
import { CorruptIndexError } from './log-errors.js';
import { segmentFileNames } from './log-file-names.js';
import { MAX_RELATIVE_OFFSET, OffsetIndex, type OffsetPosition } from './offset-index.js';
import type { CompletedTxn, ProducerStateManager } from './producer-state.js';
import { TimeIndex, type TimestampOffset } from './time-index.js';
import { type AbortedTxn, TransactionIndex } from './transaction-index.js';

/** The `.txnindex` entry of a transaction a marker just aborted (computed before the transaction is marked complete). */
export function abortedTxnOf(txn: CompletedTxn, producerState: ProducerStateManager): AbortedTxn {
  return { producerId: txn.producerId, firstOffset: txn.firstOffset, lastOffset: txn.lastOffset, lastStableOffset: producerState.lastStableOffsetAfter(txn) };
}

/** How much of a segment a walk over all its batches reads at once. */
const READ_AHEAD_BYTES = 1 << 20;

/**
 * A segment's log read forward READ_AHEAD_BYTES at a time, for walks over
 * every batch (recovery, the producer state's rebuild): read per batch, twice
 * for each, they were two database seeks per read on the level backend and a
 * log of small batches took minutes to recover after a crash.
 */
class ReadAhead {
  private chunk: PooledBytes | undefined;
  private chunkStart = 0;

  constructor(private readonly log: StorageObject) {}

  /** The bytes [at, at + length), a view valid until the next call or release(); the log must hold them. */
  async bytesAt(at: number, length: number): Promise<Buffer> {
    if (this.chunk === undefined || at < this.chunkStart || at + length > this.chunkStart + this.chunk.bytes.length) {
      this.release();
      this.chunk = await this.log.read(at, Math.min(this.log.size - at, Math.max(length, READ_AHEAD_BYTES)));
      this.chunkStart = at;
    }
    return this.chunk.bytes.subarray(at - this.chunkStart, at - this.chunkStart + length);
  }

  /** A batch header at `position` in a buffer of its own (it outlives the chunk); undefined when too few bytes remain. */
  async headerAt(position: number): Promise<RecordBatchView | undefined> {
    if (this.log.size - position < RECORD_BATCH_OVERHEAD) return undefined;
    return new RecordBatchView(Buffer.from(await this.bytesAt(position, RECORD_BATCH_OVERHEAD)));
  }

  release(): void {
    const chunk = this.chunk;
    this.chunk = undefined;
    chunk?.release();
  }
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
  private indexDamageReported = false;
  /**
   * The `.log` and its indexes are all synced as they are now (a whole
   * `flush()` completed with nothing written since). A flush of the data
   * alone (`flushData`) leaves it false: the log syncs a rolled segment's
   * indexes before the recovery point may pass it (see Log.recoveryPoint).
   */
  fullySynced = false;

  private constructor(
    readonly baseOffset: number,
    readonly log: StorageObject,
    readonly offsetIndex: OffsetIndex,
    readonly timeIndex: TimeIndex,
    readonly txnIndex: TransactionIndex,
    private readonly config: LogConfig,
    private readonly warn: (message: string) => void,
  ) {
    this.nextOffset = baseOffset;
  }

  /**
   * `suffix` opens the files under a temporary name: the cleaner writes
   * `.cleaned` segments, recovery reads `.swap` ones. `warn` hears of a
   * damaged index met while reading.
   */
  static async open(
    dir: LogDirectory,
    baseOffset: number,
    config: LogConfig,
    create: boolean,
    suffix = '',
    warn: (message: string) => void = (m) => console.warn(m),
  ): Promise<LogSegment> {
    const [logName, indexName, timeIndexName] = segmentFileNames(baseOffset, suffix);
    const log = await dir.open(logName, { create });
    const offsetIndex = await OffsetIndex.open(
      await dir.open(indexName, { create: true, preallocate: config.segmentIndexBytes }),
      baseOffset,
      config.segmentIndexBytes,
    );
    const timeIndex = await TimeIndex.open(
      await dir.open(timeIndexName, { create: true, preallocate: config.segmentIndexBytes }),
      baseOffset,
      config.segmentIndexBytes,
    );
    const txnIndex = await TransactionIndex.open(dir, baseOffset, suffix);
    return new LogSegment(baseOffset, log, offsetIndex, timeIndex, txnIndex, config, warn);
  }

  get size(): number {
    return this.log.size;
  }

  /**
   * Appends validated batches that already carry their offsets, as one write.
   * Index entries are added every index.interval.bytes, per batch.
   */
  async append(bytes: Buffer, batches: readonly RecordBatchView[]): Promise<void> {
    this.fullySynced = false;
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
    this.fullySynced = false;
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

  /**
   * The header of the batch a walk meets at `position`; undefined at the
   * log's end. Walks step by batchLength, so a header that cannot start a
   * batch there (too few bytes, a bad length or magic, a batch running past
   * the log) is damaged data: a CorruptRecordError, never a step backwards,
   * nowhere or over records.
   */
  private async walkHeaderAt(position: number, ahead?: ReadAhead): Promise<RecordBatchView | undefined> {
    const size = this.log.size;
    if (position >= size) return undefined;
    const header = ahead ? await ahead.headerAt(position) : await this.headerAt(position);
    const problem = !header
      ? `${size - position} bytes are too few for a batch header`
      : header.batchLength < MIN_BATCH_LENGTH
        ? `batchLength ${header.batchLength} is below the minimum`
        : header.magic !== CURRENT_MAGIC
          ? `magic ${header.magic} is not 2`
          : position + header.sizeInBytes > size
            ? `a batch of ${header.sizeInBytes} bytes runs past the log's end at ${size}`
            : undefined;
    if (problem) throw new CorruptRecordError(`${this.log.path}: at position ${position}, ${problem}`);
    return header;
  }

  /**
   * Where to start walking towards `offset`: the last index entry at or
   * before it, once the header at its position (read anyway) shows a batch
   * ending at or before the entry's offset, so that no batch the walk needs
   * lies before it. An entry that does not (a damaged index) is passed over
   * for the one before it; the segment start is the last resort.
   */
  private async walkStart(offset: number): Promise<{ position: number; header: RecordBatchView | undefined }> {
    for (let i = this.offsetIndex.floorEntry(offset); i >= 0; i--) {
      const entry = this.offsetIndex.entryAt(i);
      const header = await this.entryHeader(entry);
      if (header) return { position: entry.position, header };
      this.indexDamaged(`entry ${i} (offset ${entry.offset}, position ${entry.position}) does not point at a batch ending by its offset`);
    }
    return { position: 0, header: await this.walkHeaderAt(0) };
  }

  /** The header an offset index entry points at, if it is a batch ending at or before the entry's offset (Kafka's entries name the last offset of what was appended at their position). */
  private async entryHeader(entry: OffsetPosition): Promise<RecordBatchView | undefined> {
    if (entry.position < 0 || entry.position >= this.log.size) return undefined;
    const header = await this.headerAt(entry.position);
    if (!header || header.magic !== CURRENT_MAGIC || header.batchLength < MIN_BATCH_LENGTH || header.lastOffset > entry.offset) return undefined;
    return header;
  }

  /** Says once per segment that its index is damaged; lookups go on around the entries that are. */
  private indexDamaged(what: string): void {
    if (this.indexDamageReported) return;
    this.indexDamageReported = true;
    this.warn(`${this.offsetIndex.path}: ${what}; lookups pass over such entries until recovery rebuilds the index`);
  }

  /** Byte position of the first batch whose last offset is ≥ `offset`, or -1. */
  async positionOf(offset: number): Promise<number> {
    let { position, header } = await this.walkStart(offset);
    while (header) {
      if (header.lastOffset >= offset) return position;
      position += header.sizeInBytes;
      header = await this.walkHeaderAt(position);
    }
    return -1;
  }

  /**
   * Batches from the one holding `offset`, up to `maxBytes` — except that the
   * first batch is returned whole even when larger, so a consumer never stalls.
   * The caller owns the bytes (see FetchData).
   */
  async read(offset: number, maxBytes: number, maxPosition = this.log.size): Promise<SegmentRead | undefined> {
    const position = await this.positionOf(offset);
    if (position < 0 || position >= maxPosition) return undefined;
    const first = (await this.headerAt(position))!;
    const firstOffset = first.baseOffset;
    // One read of the whole window, then cut it after the last whole batch that fits.
    const window = Math.max(first.sizeInBytes, Math.min(maxBytes, maxPosition - position));
    const read = await this.log.read(position, window);
    const bytes = read.bytes;
    let end = first.sizeInBytes;
    for (;;) {
      const size = sizeOfBatchAt(bytes, end);
      if (size < 0) break;
      end += size;
    }
    return new SegmentRead(bytes.subarray(0, end), firstOffset, read, position);
  }

  /**
   * The headers of the batches from the one holding `offset` to the
   * segment's end, control batches whole (their one small record says which
   * transaction marker they are); nothing else of the data is read.
   */
  async *headersFrom(offset: number): AsyncGenerator<RecordBatchView> {
    let position = await this.positionOf(offset);
    if (position < 0) return;
    const ahead = new ReadAhead(this.log);
    try {
      for (let header = await this.walkHeaderAt(position, ahead); header; header = await this.walkHeaderAt(position, ahead)) {
        // A control batch is read on its own: the read-ahead's bytes are reused for what comes next.
        yield header.isControl ? new RecordBatchView((await this.log.read(position, header.sizeInBytes)).bytes) : header;
        position += header.sizeInBytes;
      }
    } finally {
      ahead.release();
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
    let position = 0;
    for (let i = this.timeIndex.floorEntry(timestamp); i >= 0; i--) {
      const entry = this.timeIndex.entryAt(i);
      const at = await this.timeEntryPosition(entry);
      if (at >= 0) {
        position = at;
        break;
      }
      this.indexDamaged(`time index entry ${i} (timestamp ${entry.timestamp}, offset ${entry.offset}) does not match the batch holding its offset`);
    }
    for (let header = await this.walkHeaderAt(position); header; header = await this.walkHeaderAt(position)) {
      if (header.maxTimestamp >= timestamp) return new RecordBatchView((await this.log.read(position, header.sizeInBytes)).bytes);
      position += header.sizeInBytes;
    }
    return undefined;
  }

  /** The position of the batch holding a time index entry's offset when that batch's max timestamp is the entry's; -1 when it is not (a damaged entry). */
  private async timeEntryPosition(entry: TimestampOffset): Promise<number> {
    const position = await this.positionOf(entry.offset);
    const header = position >= 0 ? await this.headerAt(position) : undefined;
    return header && header.baseOffset <= entry.offset && header.maxTimestamp === entry.timestamp ? position : -1;
  }

  /**
   * Re-reads the whole segment, validating every batch and rebuilding the
   * indexes; cuts the segment at the first invalid or partial batch. Returns
   * the bytes cut (0 when the segment was whole). Given the producer state as
   * of the segment's base offset, it also brings that state to the segment's
   * end and rebuilds the `.txnindex` from the markers met, as Kafka's
   * recovery does; without it the `.txnindex` only loses the entries of
   * markers cut.
   */
  async recover(producerState?: ProducerStateManager): Promise<number> {
    this.fullySynced = false;
    if (producerState) await this.txnIndex.reset();
    await this.offsetIndex.truncateTo(this.baseOffset);
    await this.timeIndex.truncateTo(this.baseOffset);
    this.bytesSinceLastIndexEntry = 0;
    this.maxTimestamp = -1;
    this.offsetOfMaxTimestamp = -1;
    this.nextOffset = this.baseOffset;
    let position = 0;
    const size = this.log.size;
    const ahead = new ReadAhead(this.log);
    try {
      for (let header = await ahead.headerAt(position); header; header = await ahead.headerAt(position)) {
        if (header.batchLength < RECORD_BATCH_OVERHEAD - LOG_OVERHEAD || position + header.sizeInBytes > size) break;
        const batch = new RecordBatchView(await ahead.bytesAt(position, header.sizeInBytes));
        try {
          batch.validate();
        } catch (error) {
          if (error instanceof CorruptRecordError) break;
          throw error;
        }
        if (batch.baseOffset < this.nextOffset || batch.lastOffset - this.baseOffset > MAX_RELATIVE_OFFSET) break; // offsets must grow, within what the index can hold
        this.track(batch, position);
        if (producerState) await this.replayIntoTxnIndex(producerState, batch);
        position += batch.sizeInBytes;
      }
    } finally {
      ahead.release();
    }
    await this.offsetIndex.writeFullBlock();
    await this.timeIndex.writeFullBlock();
    const cut = size - position;
    if (cut > 0) await this.log.truncate(position);
    if (!producerState) await this.txnIndex.truncateTo(this.nextOffset);
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
    this.fullySynced = false;
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
   *
   * `verify` is for a segment a clean shutdown left, which no recovery reads:
   * the clean-shutdown marker means no recovery is needed, not that nothing
   * can be wrong. Everything this reads is then checked, as Kafka's index
   * sanity check and more: both indexes' entries in order and inside the
   * log, the last offset index entry pointing at a batch that ends by its
   * offset, the batches after it whole, their offsets growing and ending
   * the log exactly, the last batch valid (its CRC: a torn write), and the
   * last entries of both indexes naming batches the log holds. A check that
   * fails throws CorruptIndexError or CorruptRecordError; the loader then
   * recovers the segment. (Only the last batch's CRC is read: recovery cuts
   * at the first bad batch, and a flipped bit inside the log would cost
   * every good batch after it; consumers meet such a batch as Kafka's do.)
   */
  async loadTailState(verify = false): Promise<void> {
    if (verify) {
      this.offsetIndex.sanityCheck(this.log.size);
      this.timeIndex.sanityCheck();
    }
    const entries = this.offsetIndex.entryCount;
    const last = entries > 0 ? this.offsetIndex.entryAt(entries - 1) : undefined;
    const lastTime = this.timeIndex.entryCount > 0 ? this.timeIndex.entryAt(this.timeIndex.entryCount - 1) : undefined;
    if (verify && last && !(await this.entryHeader(last))) {
      throw new CorruptIndexError(
        this.offsetIndex.path,
        `its last entry (offset ${last.offset}, position ${last.position}) does not point at a batch ending by its offset`,
      );
    }
    this.nextOffset = this.baseOffset;
    this.rollingBasedTimestamp = (await this.walkHeaderAt(0))?.maxTimestamp ?? -1;
    this.maxTimestamp = lastTime?.timestamp ?? -1;
    this.offsetOfMaxTimestamp = lastTime?.offset ?? -1;
    let position = last?.position ?? 0;
    for (let header = await this.walkHeaderAt(position); header; header = await this.walkHeaderAt(position)) {
      if (verify) await this.checkTailBatch(header, position);
      if (header.maxTimestamp > this.maxTimestamp) {
        this.maxTimestamp = header.maxTimestamp;
        this.offsetOfMaxTimestamp = header.lastOffset;
      }
      this.nextOffset = header.nextOffset;
      position += header.sizeInBytes;
    }
    if (!verify) return;
    if (last && last.offset >= this.nextOffset) {
      throw new CorruptIndexError(this.offsetIndex.path, `its last entry names offset ${last.offset}, past the segment's last offset ${this.nextOffset - 1}`);
    }
    if (lastTime && (lastTime.offset >= this.nextOffset || (await this.timeEntryPosition(lastTime)) < 0)) {
      throw new CorruptIndexError(
        this.timeIndex.path,
        `its last entry (timestamp ${lastTime.timestamp}, offset ${lastTime.offset}) does not match the batch holding its offset`,
      );
    }
  }

  /** One batch of a verified tail walk: after the batches before it in offsets, within the offsets a segment can index; the last one valid (CRC). */
  private async checkTailBatch(header: RecordBatchView, position: number): Promise<void> {
    const floor = position === 0 ? this.baseOffset : this.nextOffset;
    if (header.baseOffset < floor || header.lastOffset - this.baseOffset > MAX_RELATIVE_OFFSET) {
      throw new CorruptRecordError(
        `${this.log.path}: the batch at position ${position} holds offsets ${header.baseOffset} to ${header.lastOffset}, outside what can follow offset ${floor - 1} in segment ${this.baseOffset}`,
      );
    }
    if (position + header.sizeInBytes < this.log.size) return;
    const batch = new RecordBatchView((await this.log.read(position, header.sizeInBytes)).bytes);
    try {
      batch.validate();
    } catch (error) {
      if (error instanceof CorruptRecordError)
        throw new CorruptRecordError(`${this.log.path}: the batch at position ${position}: ${error.message}`, { cause: error });
      throw error;
    }
  }

  /** Syncs the `.log` and its indexes (at a roll, a checkpoint, a shutdown). */
  async flush(): Promise<void> {
    this.fullySynced = true; // a write while the syncs run clears it again
    try {
      await this.log.flush();
      await this.offsetIndex.flush();
      await this.timeIndex.flush();
      await this.txnIndex.flush();
    } catch (error) {
      this.fullySynced = false;
      throw error;
    }
  }

  /**
   * Syncs the `.log` alone: one fdatasync (one synced LevelDB write), the
   * durability point of the active segment. Its indexes need no sync then:
   * after a crash the active segment is always recovered, which rebuilds
   * them from the `.log` (LogLoader).
   */
  async flushData(): Promise<void> {
    await this.log.flush();
  }

  async close(): Promise<void> {
    await this.log.close();
    await this.offsetIndex.close();
    await this.timeIndex.close();
    await this.txnIndex.close();
  }
}
