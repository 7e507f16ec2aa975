import type { LogSegment } from '../log-segment.js';
import { MAX_RELATIVE_OFFSET } from '../offset-index.js';

/**
 * Splits the segments to clean into runs that each become one cleaned
 * segment, as Kafka's groupSegmentsBySize does: a run's `.log` bytes stay
 * within segment.bytes and each of its indexes within segment.index.bytes, so
 * the cleaned segment cannot outgrow a normal one, and its offsets stay within
 * 2^31 of its base (index entries hold 32-bit relative offsets). Merging
 * small cleaned segments this way keeps compaction from leaving ever more,
 * ever smaller segments. A segment's last offset is estimated by the next
 * segment's base offset (or the end of the cleaning round), never read.
 */
export function groupSegmentsBySize(segments: readonly LogSegment[], maxSize: number, maxIndexSize: number, firstUncleanableOffset: number): LogSegment[][] {
  const groups: LogSegment[][] = [];
  let i = 0;
  while (i < segments.length) {
    const first = segments[i++]!;
    const group = [first];
    let logSize = first.size;
    let indexSize = first.offsetIndex.sizeInBytes;
    let timeIndexSize = first.timeIndex.sizeInBytes;
    while (i < segments.length) {
      const next = segments[i]!;
      const lastOffset = i + 1 < segments.length ? segments[i + 1]!.baseOffset - 1 : firstUncleanableOffset - 1;
      const fits =
        logSize + next.size <= maxSize &&
        indexSize + next.offsetIndex.sizeInBytes <= maxIndexSize &&
        timeIndexSize + next.timeIndex.sizeInBytes <= maxIndexSize &&
        // An empty segment adds no offsets (and must not strand one every 2^31 offsets).
        (next.size === 0 || lastOffset - first.baseOffset <= MAX_RELATIVE_OFFSET);
      if (!fits) break;
      group.push(next);
      logSize += next.size;
      indexSize += next.offsetIndex.sizeInBytes;
      timeIndexSize += next.timeIndex.sizeInBytes;
      i++;
    }
    groups.push(group);
  }
  return groups;
}
