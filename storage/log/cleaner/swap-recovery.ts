import type { LogDirectory } from '../../backend/storage-backend.js';
import type { LogConfig } from '../../config/log-config.js';
import { CLEANED_SUFFIX, LOG_SUFFIX, parseSegmentFileName, SWAP_SUFFIX } from '../log-file-names.js';
import { LogSegment } from '../log-segment.js';

/**
 * Finishes or undoes a segment replacement a crash interrupted, before a log
 * is loaded, by Kafka's rules (LogLoader). A replacement goes:
 *
 *   1. the cleaner writes `<base>.log.cleaned` and its indexes, flushed;
 *   2. they are renamed to `.swap`;
 *   3. the replaced segments' files are renamed to `.deleted`;
 *   4. the `.swap` files are renamed to their final names.
 *
 * So on open: `.cleaned` files are an unfinished step 1 or 2 and are deleted,
 * together with any `.swap` file at or after the lowest `.cleaned` base offset
 * (a step 2 cut short). The remaining `.swap` segments are complete: every live
 * segment file whose base offset lies in the offsets they cover is one they
 * replace and is deleted (step 3), then they take their final names (step 4).
 * A swapped-in segment's indexes are rebuilt from its data, as Kafka does.
 * (`.deleted` files are removed by Log.open itself.)
 */
export async function recoverInterruptedSwaps(dir: LogDirectory, config: LogConfig, warn: (message: string) => void): Promise<void> {
  const names = await dir.list();
  const parsed = names.map((name) => ({ name, file: parseSegmentFileName(name) }));
  const cleaned = parsed.filter((p) => p.file?.suffix === CLEANED_SUFFIX);
  if (cleaned.length === 0 && !parsed.some((p) => p.file?.suffix === SWAP_SUFFIX)) return;

  const minCleaned = Math.min(...cleaned.map((p) => p.file!.baseOffset));
  for (const p of parsed) {
    if (p.file?.suffix === SWAP_SUFFIX && p.file.baseOffset >= minCleaned) await dir.delete(p.name);
  }
  for (const p of cleaned) await dir.delete(p.name);

  const swaps = parsed.filter((p) => p.file?.suffix === SWAP_SUFFIX && p.file.baseOffset < minCleaned);
  let from = Infinity;
  let to = -Infinity;
  for (const swap of swaps) {
    if (swap.file!.kind !== LOG_SUFFIX) continue;
    const base = swap.file!.baseOffset;
    const segment = await LogSegment.open(dir, base, config, false, SWAP_SUFFIX);
    try {
      await segment.recover(); // rebuilds the swap's indexes (they may be missing) and finds where it ends
      await segment.flush();
      from = Math.min(from, base);
      to = Math.max(to, segment.nextOffset);
    } finally {
      await segment.close();
    }
    warn(`${dir.path}: completing the replacement of cleaned segment ${base} that a crash interrupted`);
  }
  for (const p of parsed) {
    const file = p.file;
    if (file && file.suffix === '' && file.baseOffset >= from && file.baseOffset < to) await dir.delete(p.name);
  }
  // Renamed after the deletions: the swap's final names may be those of a replaced segment.
  for (const name of await dir.list()) {
    if (parseSegmentFileName(name)?.suffix === SWAP_SUFFIX) await dir.rename(name, name.slice(0, -SWAP_SUFFIX.length));
  }
}
