import { ControlRecordType } from '../../record/control-record.js';
import { decodeRecords } from '../../record/record.js';
import type { Log } from '../log.js';
import { CLEANED_SUFFIX, segmentFileNames } from '../log-file-names.js';
import { LogSegment } from '../log-segment.js';
import { BatchOutput, filterBatch, type FilterContext } from './batch-filter.js';
import { emptyCleanerStats, type CleanerStats } from './cleaner-stats.js';
import { controlTypeOf, PendingTransactions, TransactionMarkers } from './cleaner-transactions.js';
import { hashKey } from './key-hash.js';
import { OffsetMap } from './offset-map.js';
import { groupSegmentsBySize } from './segment-groups.js';
import { SegmentReader } from './segment-reader.js';

/** Kafka's defaults for the cleaner's buffers. */
export const DEFAULT_DEDUPE_BUFFER_SIZE = 128 * 1024 * 1024; // log.cleaner.dedupe.buffer.size
export const DEFAULT_DEDUPE_BUFFER_LOAD_FACTOR = 0.9; // log.cleaner.io.buffer.load.factor
export const DEFAULT_IO_BUFFER_SIZE = 512 * 1024; // log.cleaner.io.buffer.size

export interface CleanerOptions {
  /** log.cleaner.dedupe.buffer.size: the most memory the offset map may take (it grows to it as needed). */
  dedupeBufferSize?: number;
  /** log.cleaner.io.buffer.load.factor: how full the offset map may get. */
  dedupeBufferLoadFactor?: number;
  /** log.cleaner.io.buffer.size: the read and write chunk size. */
  ioBufferSize?: number;
}

/** The offsets a cleaning covers: the dirty section [firstDirtyOffset, firstUncleanableOffset). */
export interface DirtySection {
  readonly firstDirtyOffset: number;
  readonly firstUncleanableOffset: number;
}

export interface CleaningResult {
  readonly firstDirtyOffset: number;
  /** The first offset the cleaning did not cover: the log's new cleaner checkpoint. */
  readonly endOffset: number;
  readonly stats: CleanerStats;
}

/**
 * Cleans one log (Kafka's Cleaner): builds the offset map of key → latest
 * offset from the dirty section, then rewrites every segment from the log
 * start to the end of the mapped offsets, group by group, keeping only what
 * the map says is latest (see batch-filter.ts), and swaps each cleaned group
 * in for the segments it came from. The active segment is never touched.
 *
 * One Cleaner cleans one log at a time: its map and buffers are reused.
 */
export class Cleaner {
  readonly map: OffsetMap;
  private readonly reader: SegmentReader;
  private readonly output: BatchOutput;
  private readonly hash = new Int32Array(4);

  constructor(options: CleanerOptions = {}) {
    const io = options.ioBufferSize ?? DEFAULT_IO_BUFFER_SIZE;
    this.map = new OffsetMap(options.dedupeBufferSize ?? DEFAULT_DEDUPE_BUFFER_SIZE, options.dedupeBufferLoadFactor ?? DEFAULT_DEDUPE_BUFFER_LOAD_FACTOR);
    this.reader = new SegmentReader(io);
    this.output = new BatchOutput(io);
  }

  /**
   * Cleans `log`'s `dirty` section as of `now`. Runs inside `log.runCleaning`
   * (LogCleaner.cleanLog does this); `checkDone` throws to abort, and is
   * called between chunks. On an abort or error the cleaned segment being
   * written is deleted and the log keeps the segments not yet swapped.
   */
  async clean(log: Log, dirty: DirtySection, now: number, checkDone: () => void = () => undefined): Promise<CleaningResult> {
    const started = performance.now();
    const stats = emptyCleanerStats();
    const start = dirty.firstDirtyOffset;
    const end = dirty.firstUncleanableOffset;
    if (end <= start) return { firstDirtyOffset: start, endOffset: start, stats };

    const lastBatchOfProducer = new Map<number, number>();
    const mapReadBefore = this.reader.bytesRead;
    const firstUndecided = await this.buildOffsetMap(log, start, end, lastBatchOfProducer, stats, checkDone);
    stats.mapBytesRead = this.reader.bytesRead - mapReadBefore;
    // Stop before a transaction whose outcome is unknown (Kafka stops at the last stable offset).
    const endOffset = Math.min(this.map.latestOffset + 1, firstUndecided);
    stats.mapEntries = this.map.size;
    stats.bufferUtilization = this.map.utilization;
    if (endOffset <= start) return { firstDirtyOffset: start, endOffset: start, stats };
    this.map.latestOffset = endOffset - 1;

    const segments = log.allSegments.filter((s) => s.baseOffset < endOffset);
    await this.findProducersLastBatches(segments, start, lastBatchOfProducer, checkDone);

    const context: FilterContext = {
      map: this.map,
      now,
      deleteRetentionMs: log.config.deleteRetentionMs,
      markers: new TransactionMarkers(),
      lastBatchOfProducer,
      upperBoundOffset: end,
      stats,
    };
    for (const group of groupSegmentsBySize(segments, log.config.segmentBytes, log.config.segmentIndexBytes, end)) {
      await this.cleanGroup(log, group, context, checkDone);
    }
    stats.elapsedMs = performance.now() - started;
    return { firstDirtyOffset: start, endOffset, stats };
  }

  /**
   * Maps each key of [start, end) to its latest offset (Kafka's
   * buildOffsetMap), and notes each producer's last batch. Stops early when
   * the map is full; `map.latestOffset` then says how far it got. Returns the
   * first offset of a transaction still undecided at the end (or Infinity).
   */
  private async buildOffsetMap(log: Log, start: number, end: number, lastBatchOfProducer: Map<number, number>, stats: CleanerStats, checkDone: () => void): Promise<number> {
    const map = this.map;
    map.clear();
    const pending = new PendingTransactions();
    const all = log.allSegments;
    const dirty = all.filter((s, i) => s.baseOffset < end && (all[i + 1]?.baseOffset ?? Infinity) > start);
    let full = false;
    for (let i = 0; i < dirty.length && !full; i++) {
      const segment = dirty[i]!;
      const nextStart = dirty[i + 1]?.baseOffset ?? end;
      // From the segment's start even when the dirty section begins inside it, so
      // every batch of the first dirty segment is seen for the producers' last batches.
      await this.reader.forEachChunk(segment, 0, checkDone, (batches) => {
        for (const batch of batches) {
          if (batch.baseOffset >= end) {
            return false;
          }
          const producerId = batch.producerId;
          if (producerId >= 0) lastBatchOfProducer.set(producerId, Math.max(lastBatchOfProducer.get(producerId) ?? -1, batch.lastOffset));
          if (batch.lastOffset < start) continue;
          if (batch.isControl) {
            const type = controlTypeOf(batch);
            if (type === ControlRecordType.Commit) pending.commit(producerId, map);
            else if (type === ControlRecordType.Abort) pending.abort(producerId);
          } else {
            const transactional = batch.isTransactional;
            if (transactional) pending.begin(producerId, batch.baseOffset);
            for (const record of decodeRecords(batch, { verifyCrc: false })) {
              stats.mapRecordsRead++;
              if (record.key === null || record.offset < start) continue;
              if (map.size + pending.size >= map.capacity) {
                full = true;
                return false;
              }
              if (transactional) {
                hashKey(record.key, this.hash);
                pending.add(producerId, this.hash, record.offset);
              } else {
                map.put(record.key, record.offset);
              }
            }
          }
          map.latestOffset = Math.max(map.latestOffset, batch.lastOffset);
        }
        return true;
      });
      // Offsets missing at a segment's end (compacted away earlier) are covered too.
      if (!full) map.latestOffset = Math.max(map.latestOffset, nextStart - 1);
    }
    return pending.firstUndecidedOffset();
  }

  /**
   * Completes the producers' last batches over the segments before the dirty
   * section, reading batch headers only. (Kafka asks its producer state;
   * samsa keeps none, so the cleaner looks at the log itself.)
   */
  private async findProducersLastBatches(segments: readonly LogSegment[], start: number, last: Map<number, number>, checkDone: () => void): Promise<void> {
    for (let i = 0; i < segments.length; i++) {
      const next = segments[i + 1];
      if (!next || next.baseOffset > start) break; // from here on the offset map's scan saw every batch
      await this.reader.forEachHeader(segments[i]!, checkDone, (header) => {
        const producerId = header.producerId;
        if (producerId >= 0 && (last.get(producerId) ?? -1) < header.lastOffset) last.set(producerId, header.lastOffset);
      });
    }
  }

  /** Rewrites one group into a `.cleaned` segment and swaps it in (Kafka's cleanSegments). */
  private async cleanGroup(log: Log, group: readonly LogSegment[], context: FilterContext, checkDone: () => void): Promise<void> {
    const base = group[0]!.baseOffset;
    const present = new Set(await log.dir.list());
    for (const name of segmentFileNames(base, CLEANED_SUFFIX)) if (present.has(name)) await log.dir.delete(name); // left by an aborted cleaning
    const cleaned = await LogSegment.open(log.dir, base, log.config, true, CLEANED_SUFFIX);
    try {
      for (const segment of group) {
        await this.reader.forEachChunk(segment, 0, checkDone, async (batches) => {
          for (const batch of batches) filterBatch(batch, context, this.output);
          if (this.output.isEmpty) return;
          const { bytes, batches: written } = this.output.take();
          await cleaned.append(bytes, written);
          this.output.reset();
        });
      }
      await cleaned.flush();
      await cleaned.close();
      checkDone();
    } catch (error) {
      this.output.reset();
      await cleaned.close().catch(() => undefined);
      for (const name of segmentFileNames(base, CLEANED_SUFFIX)) await log.dir.delete(name).catch(() => undefined);
      throw error;
    }
    await log.replaceSegments(group, base);
    context.stats.segmentsCleaned += group.length;
    context.stats.groupsCleaned++;
  }
}
