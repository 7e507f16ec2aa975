import { RECORD_BATCH_OVERHEAD } from '../../record/record-batch-layout.js';
import { RecordBatchView } from '../../record/record-batch-view.js';
import type { Log } from '../log.js';
import type { LogSegment } from '../log-segment.js';

/**
 * Which part of a log a cleaning may work on, and how dirty the log is
 * (Kafka's LogToClean). The clean section runs from the log start to the
 * cleaner checkpoint, the dirty section from there to the first offset that
 * may not be cleaned yet.
 */
export interface CleanableRange {
  /** Where the dirty section starts: the cleaner checkpoint, or the log start. */
  readonly firstDirtyOffset: number;
  /**
   * Where cleaning must stop, a segment's base offset: never in or past the
   * active segment, nor past the last stable offset (an open transaction's
   * first offset, or the high watermark), nor in a segment holding records
   * younger than min.compaction.lag.ms.
   */
  readonly firstUncleanableOffset: number;
  readonly cleanBytes: number;
  readonly cleanableBytes: number;
  readonly totalBytes: number;
  /** cleanableBytes / totalBytes, compared with min.cleanable.dirty.ratio. */
  readonly cleanableRatio: number;
  /** How long past max.compaction.lag.ms the oldest dirty record is (0 if not). */
  readonly compactionDelayMs: number;
  /** Set when the checkpoint was unusable (below the log start or past the end) and was reset. */
  readonly checkpointReset: boolean;
}

/** Whether the cleaner should clean this log now (Kafka's rule in grabFilthiestCompactedLog). */
export function isCleanable(range: CleanableRange, minCleanableDirtyRatio: number): boolean {
  if (range.totalBytes <= 0) return false;
  return (range.compactionDelayMs > 0 && range.cleanableBytes > 0) || range.cleanableRatio > minCleanableDirtyRatio;
}

/** The max timestamp of a segment's first batch (Kafka's getFirstBatchTimestamp), or -1. */
async function firstBatchTimestamp(segment: LogSegment, header: Buffer): Promise<number> {
  if (segment.size < RECORD_BATCH_OVERHEAD) return -1;
  await segment.log.readInto(0, header);
  return new RecordBatchView(header).maxTimestamp;
}

/**
 * Measures a log for the cleaner (Kafka's cleanableOffsets, maxCompactionDelay
 * and LogToClean): `checkpoint` is the log's entry in cleaner-offset-checkpoint.
 */
export async function cleanableRange(log: Log, checkpoint: number | undefined, now: number, warn?: (message: string) => void): Promise<CleanableRange> {
  const segments = log.allSegments;
  const active = segments[segments.length - 1]!;
  const config = log.config;
  const logStart = log.logStartOffset;

  let firstDirtyOffset = checkpoint ?? logStart;
  let checkpointReset = false;
  if (firstDirtyOffset < logStart) {
    // Retention or DeleteRecords moved the start past it: expected under compact,delete.
    if (!config.delete)
      warn?.(`${log.dir.path}: resetting the first dirty offset to the log start offset ${logStart}: the cleaner checkpoint ${firstDirtyOffset} is below it`);
    firstDirtyOffset = logStart;
    checkpointReset = true;
  } else if (firstDirtyOffset > log.logEndOffset) {
    // Truncation cut the log below it: treat the whole log as dirty.
    warn?.(
      `${log.dir.path}: the cleaner checkpoint ${firstDirtyOffset} is past the log end offset ${log.logEndOffset}; cleaning from the log start offset ${logStart}`,
    );
    firstDirtyOffset = logStart;
    checkpointReset = true;
  }

  // Non-active segments from the one holding the first dirty offset.
  const dirty: LogSegment[] = [];
  for (let i = 0; i < segments.length - 1; i++) if (segments[i + 1]!.baseOffset > firstDirtyOffset) dirty.push(segments[i]!);

  // Kafka's bound: the last stable offset (never past the high watermark), so every transaction below it is decided.
  let uncleanable = Math.min(log.lastStableOffset, active.baseOffset);
  if (config.minCompactionLagMs > 0) {
    const young = dirty.find((s) => s.maxTimestamp > now - config.minCompactionLagMs);
    if (young) uncleanable = Math.min(uncleanable, young.baseOffset);
  }
  uncleanable = Math.max(firstDirtyOffset, uncleanable);
  // Round down to the base of the segment holding it: whole segments are cleaned.
  let firstUncleanableOffset = active.baseOffset;
  for (let i = 0; i < segments.length - 1; i++) {
    if (segments[i + 1]!.baseOffset > uncleanable) {
      firstUncleanableOffset = segments[i]!.baseOffset;
      break;
    }
  }

  let cleanBytes = 0;
  let cleanableBytes = 0;
  const from = Math.min(firstDirtyOffset, firstUncleanableOffset);
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    const next = segments[i + 1]?.baseOffset ?? Number.MAX_SAFE_INTEGER;
    if (s.baseOffset < firstDirtyOffset) cleanBytes += s.size;
    if (s.baseOffset < firstUncleanableOffset && next > from) cleanableBytes += s.size;
  }
  const totalBytes = cleanBytes + cleanableBytes;

  let compactionDelayMs = 0;
  const cleanUntil = now - config.maxCompactionLagMs;
  if (cleanUntil > 0) {
    let earliest = Infinity;
    const header = Buffer.alloc(RECORD_BATCH_OVERHEAD);
    for (const s of dirty) {
      const t = await firstBatchTimestamp(s, header);
      if (t > 0 && t < earliest) earliest = t;
    }
    if (earliest < cleanUntil) compactionDelayMs = cleanUntil - earliest;
  }

  return {
    firstDirtyOffset,
    firstUncleanableOffset,
    cleanBytes,
    cleanableBytes,
    totalBytes,
    cleanableRatio: totalBytes > 0 ? cleanableBytes / totalBytes : 0,
    compactionDelayMs,
    checkpointReset,
  };
}
