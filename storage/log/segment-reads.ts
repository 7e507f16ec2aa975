import { decodeRecords } from '../record/record.js';
import { emptyRead, type FetchData, SegmentRead } from './fetch-data.js';
import type { LogSegment } from './log-segment.js';
import type { AbortedTxn } from './transaction-index.js';

// Reads across a log's segments (oldest first, the active one last): what
// Kafka's LocalLog does over its LogSegments. The Log runs them while no
// swap of cleaned segments is under way.

/** The index of the segment holding `offset`: the last one starting at or before it. */
export function segmentIndexFor(segments: readonly LogSegment[], offset: number): number {
  let lo = 0;
  let hi = segments.length - 1;
  while (lo < hi) {
    const mid = (lo + hi + 1) >>> 1;
    if (segments[mid]!.baseOffset <= offset) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}

/**
 * Whole batches from the one holding `offset`, at most `maxBytes` unless the
 * first is larger, none at or past `upToOffset`. `withAborted` (a
 * read_committed read) adds the aborted transactions overlapping them, from
 * the fetch offset to the offset index's first entry past the bytes read
 * (the next segment's base, or the log end, when it has none), as Kafka
 * bounds them.
 */
export async function readSegments(
  segments: readonly LogSegment[],
  offset: number,
  maxBytes: number,
  upToOffset: number,
  withAborted: boolean,
): Promise<FetchData> {
  for (let i = segmentIndexFor(segments, offset); i < segments.length; i++) {
    const segment = segments[i]!;
    const maxPosition = upToOffset < segment.nextOffset ? await segment.positionOf(upToOffset) : segment.size;
    const got = await segment.read(offset, maxBytes, maxPosition < 0 ? segment.size : maxPosition);
    if (!got) continue;
    if (!withAborted) return got;
    const upperBound =
      segment.fetchUpperBoundOffset(got.position, got.bytes.length) ?? segments[i + 1]?.baseOffset ?? segments[segments.length - 1]!.nextOffset;
    return new SegmentRead(got.bytes, got.firstOffset, got, got.position, collectAbortedTransactions(segments, i, offset, upperBound));
  }
  return emptyRead(offset, withAborted ? [] : undefined);
}

/**
 * The aborted transactions overlapping [startOffset, upperBoundOffset)
 * (Kafka's collectAbortedTransactions): from the `.txnindex` of segment
 * `from` on, until an entry shows that no later one can overlap.
 */
export function collectAbortedTransactions(segments: readonly LogSegment[], from: number, startOffset: number, upperBoundOffset: number): AbortedTxn[] {
  const found: AbortedTxn[] = [];
  for (let i = from; i < segments.length; i++) if (segments[i]!.txnIndex.collect(startOffset, upperBoundOffset, found)) break;
  return found;
}

/** The earliest offset at or after `logStartOffset` whose record timestamp is ≥ `timestamp`, with that timestamp; undefined if none. */
export async function findOffsetForTimestamp(
  segments: readonly LogSegment[],
  timestamp: number,
  logStartOffset: number,
): Promise<{ offset: number; timestamp: number } | undefined> {
  for (const segment of segments) {
    if (segment.maxTimestamp < timestamp) continue;
    const batch = await segment.findByTimestamp(timestamp);
    if (!batch) continue;
    for (const record of decodeRecords(batch)) {
      if (record.timestamp >= timestamp && record.offset >= logStartOffset) return { offset: record.offset, timestamp: record.timestamp };
    }
  }
  return undefined;
}

/** The offset holding the largest timestamp (ListOffsets' MAX_TIMESTAMP), from the segments' time bookkeeping. */
export function maxTimestampOffset(segments: readonly LogSegment[]): { offset: number; timestamp: number } | undefined {
  let best: { offset: number; timestamp: number } | undefined;
  for (const s of segments)
    if (s.maxTimestamp >= 0 && (!best || s.maxTimestamp > best.timestamp)) best = { offset: s.offsetOfMaxTimestamp, timestamp: s.maxTimestamp };
  return best;
}
