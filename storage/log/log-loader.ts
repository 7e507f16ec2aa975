import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import type { LogDirectory } from '../backend/storage-backend.js';
import { StorageError } from '../backend/storage-error.js';
import type { LogConfig } from '../config/log-config.js';
import { formatBytes } from './format-bytes.js';
import { LeaderEpochCache } from './leader-epoch-cache.js';
import { CorruptIndexError, CorruptSnapshotError } from './log-errors.js';
import {
  CLEANED_SUFFIX,
  DELETED_SUFFIX,
  INDEX_SUFFIX,
  LOG_SUFFIX,
  logFileName,
  parseLogFileName,
  parseSegmentFileName,
  parseSnapshotFileName,
  SWAP_SUFFIX,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
} from './log-file-names.js';
import { LogSegment } from './log-segment.js';
import { ProducerSnapshots } from './producer-snapshot.js';
import { ProducerStateManager } from './producer-state.js';

export interface OpenLogOptions {
  /** The offset up to which the log is known flushed (recovery-point-offset-checkpoint). */
  recoveryPoint?: number;
  logStartOffset?: number;
  /** False after a crash: segments past the recovery point are re-validated. */
  cleanShutdown?: boolean;
  /** Where warnings go (truncations, foreign files); console.warn by default. */
  warn?: (message: string) => void;
  /** Where progress goes (segments recovered, how many bytes, how long); nowhere by default. */
  info?: (message: string) => void;
  now?: () => number;
  /** producer.id.expiration.ms: idempotent producers idle this long are forgotten (default one day, as Kafka). */
  producerIdExpirationMs?: number;
}

const DEFAULT_PRODUCER_ID_EXPIRATION_MS = 86_400_000;

/** OpenLogOptions with the defaults filled in. */
export interface LogLoadSettings {
  recoveryPoint: number;
  logStartOffset: number | undefined;
  cleanShutdown: boolean;
  warn: (message: string) => void;
  info: (message: string) => void;
  now: () => number;
  producerIdExpirationMs: number;
}

export function logLoadSettings(options: OpenLogOptions): LogLoadSettings {
  return {
    recoveryPoint: options.recoveryPoint ?? 0,
    logStartOffset: options.logStartOffset,
    cleanShutdown: options.cleanShutdown !== false,
    warn: options.warn ?? ((m: string) => console.warn(m)),
    info: options.info ?? (() => {}),
    now: options.now ?? Date.now,
    producerIdExpirationMs: options.producerIdExpirationMs ?? DEFAULT_PRODUCER_ID_EXPIRATION_MS,
  };
}

/** A log as its files left it, recovered and ready for a Log to run. */
export interface LoadedLog {
  /** Oldest first; never empty, the last one active. */
  segments: LogSegment[];
  logStartOffset: number;
  /** At most the log end offset. */
  recoveryPoint: number;
  leaderEpochs: LeaderEpochCache;
  producerState: ProducerStateManager;
  snapshots: ProducerSnapshots;
}

/**
 * Opens a log directory, as Kafka's LogLoader does: finishes or undoes a
 * compaction swap a crash interrupted, removes leftover files, opens the
 * segments (re-validating those past the recovery point after an unclean
 * shutdown, and those from a swap the crash interrupted, cut at the first bad
 * batch, their `.txnindex` rebuilt from the producer state as of their start),
 * drops leader epochs whose data is gone and rebuilds the producer state from
 * `.snapshot` files and the batches after them.
 */
export class LogLoader {
  constructor(
    private readonly dir: LogDirectory,
    private readonly config: LogConfig,
    private readonly settings: LogLoadSettings,
  ) {}

  async load(): Promise<LoadedLog> {
    const { dir, settings } = this;
    const firstSwapped = await this.completeInterruptedSwaps();
    const bases = await this.removeLeftoversAndListSegments();
    const producerState = new ProducerStateManager();
    const snapshots = new ProducerSnapshots(dir);
    const { segments, recovered } = await this.loadSegments(bases, firstSwapped, producerState, snapshots);
    const logStartOffset = settings.logStartOffset ?? bases[0] ?? 0;
    if (segments.length === 0) segments.push(await LogSegment.open(dir, logStartOffset, this.config, true, '', settings.warn));
    const logEndOffset = segments[segments.length - 1]!.nextOffset;
    const leaderEpochs = await LeaderEpochCache.load(dir);
    await leaderEpochs.truncateFromEnd(logEndOffset); // epochs whose data recovery cut
    // Recovery brought the producer state to the log end already.
    if (!recovered) await rebuildProducerState(producerState, snapshots, segments, settings.cleanShutdown, settings);
    return { segments, logStartOffset, recoveryPoint: Math.min(settings.recoveryPoint, logEndOffset), leaderEpochs, producerState, snapshots };
  }

  /**
   * Finishes or undoes a segment replacement a crash interrupted, by Kafka's
   * rules. A replacement (the cleaner's, then Log.replaceSegments) goes:
   *
   *   1. the cleaner writes `<base>.log.cleaned` and its indexes, flushed;
   *   2. they are renamed to `.swap`;
   *   3. the replaced segments' files are renamed to `.deleted`;
   *   4. the `.swap` files are renamed to their final names.
   *
   * So `.cleaned` files are an unfinished step 1 or 2 and are deleted,
   * together with any `.swap` file at or after the lowest `.cleaned` base
   * offset (a step 2 cut short). The remaining `.swap` segments are complete:
   * every live segment file whose base offset lies in the offsets they cover is
   * one they replace and is deleted (step 3), then they take their final names
   * (step 4). A swapped-in segment's indexes are rebuilt from its data, as
   * Kafka does; its `.txnindex` needs the producer state as of its start, so
   * it and the segments after it are recovered when opened: the base offset
   * of the first one is returned. (`.deleted` files go with the other leftovers.)
   */
  private async completeInterruptedSwaps(): Promise<number> {
    const { dir } = this;
    const parsed = (await dir.list()).map((name) => ({ name, file: parseSegmentFileName(name) }));
    const cleaned = parsed.filter((p) => p.file?.suffix === CLEANED_SUFFIX);
    if (cleaned.length === 0 && !parsed.some((p) => p.file?.suffix === SWAP_SUFFIX)) return Infinity;

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
      const segment = await LogSegment.open(dir, base, this.config, false, SWAP_SUFFIX, this.settings.warn);
      try {
        await segment.recover(); // rebuilds the swap's indexes (they may be missing) and finds where it ends
        await segment.flush();
        from = Math.min(from, base);
        to = Math.max(to, segment.nextOffset);
      } finally {
        await segment.close();
      }
      this.settings.warn(`${dir.path}: completing the replacement of cleaned segment ${base} that a crash interrupted`);
    }
    for (const p of parsed) {
      const file = p.file;
      if (file && file.suffix === '' && file.baseOffset >= from && file.baseOffset < to) await dir.delete(p.name);
    }
    // Renamed after the deletions: the swap's final names may be those of a replaced segment.
    for (const name of await dir.list()) {
      if (parseSegmentFileName(name)?.suffix === SWAP_SUFFIX) await dir.rename(name, name.slice(0, -SWAP_SUFFIX.length));
    }
    return from;
  }

  /** Deletes `.deleted` files and orphaned indexes, warns of foreign files; returns the segments' base offsets, ascending. */
  private async removeLeftoversAndListSegments(): Promise<number[]> {
    const { dir, settings } = this;
    const names = await dir.list();
    const present = new Set(names);
    const bases: number[] = [];
    for (const name of names) {
      const base = parseLogFileName(name);
      if (base !== undefined) bases.push(base);
      else if (name.endsWith(DELETED_SUFFIX))
        await dir.delete(name); // a deletion a crash interrupted
      else if (name.endsWith(INDEX_SUFFIX) || name.endsWith(TIME_INDEX_SUFFIX) || name.endsWith(TXN_INDEX_SUFFIX)) {
        const file = parseSegmentFileName(name);
        if (file && !present.has(logFileName(file.baseOffset))) {
          // Kafka deletes these too: an index whose segment is gone would be reused by a new segment at that base.
          settings.warn(`${dir.path}: deleting orphaned index file ${name}, which has no log file`);
          await dir.delete(name);
        }
      } else if (!/checkpoint$/.test(name) && parseSnapshotFileName(name) === undefined) {
        settings.warn(`${dir.path}: ignoring unexpected file ${name}`);
      }
    }
    return bases.sort((a, b) => a - b);
  }

  /**
   * Opens the segments. After an unclean shutdown those holding offsets past
   * the recovery point are re-validated, and so are a swap's (see
   * completeInterruptedSwaps) and those after them. Recovery runs with the
   * producer state, rebuilt as of the first recovered segment's start and
   * carried through the rest, so each recovered segment's `.txnindex` is
   * rebuilt from the markers it holds; `recovered` says the producer state is
   * then complete to the log end. A snapshot is written at each recovered
   * segment's end, as Kafka does.
   */
  private async loadSegments(
    bases: readonly number[],
    firstSwapped: number,
    producerState: ProducerStateManager,
    snapshots: ProducerSnapshots,
  ): Promise<{ segments: LogSegment[]; recovered: boolean }> {
    const { dir, settings } = this;
    const segments: LogSegment[] = [];
    let recovered = false;
    for (const [i, base] of bases.entries()) {
      const segment = await LogSegment.open(dir, base, this.config, false, '', settings.warn);
      const nextBase = bases[i + 1] ?? Number.MAX_SAFE_INTEGER;
      if (recovered || (!settings.cleanShutdown && nextBase > settings.recoveryPoint) || base >= firstSwapped) {
        if (!recovered) await rebuildProducerState(producerState, snapshots, segments, false, settings, base);
        recovered = true;
        await this.recover(segment, producerState);
        await snapshots.write(segment.nextOffset, producerState.snapshotEntries(), false);
      } else {
        try {
          await segment.loadTailState(true);
          if (segment.nextOffset > nextBase) throw new CorruptRecordError(`its batches run to offset ${segment.nextOffset - 1}, into segment ${nextBase}`);
        } catch (error) {
          if (!(error instanceof CorruptIndexError || error instanceof CorruptRecordError || error instanceof StorageError)) throw error;
          settings.warn(`${dir.path}: segment ${base} fails its checks after a clean shutdown, so it is recovered: ${error.message}`);
          await this.recover(segment);
        }
      }
      segments.push(segment);
    }
    return { segments, recovered };
  }

  /** Re-validates a segment's batches and rebuilds its indexes, cutting it at the first bad batch (and its `.txnindex`, given the producer state as of its start). */
  private async recover(segment: LogSegment, producerState?: ProducerStateManager): Promise<void> {
    const started = performance.now();
    const bytes = segment.size;
    this.settings.info(`${this.dir.path}: recovering segment ${segment.baseOffset} (${formatBytes(bytes)})`);
    const cut = await segment.recover(producerState);
    const seconds = (performance.now() - started) / 1000;
    this.settings.info(
      `${this.dir.path}: recovered segment ${segment.baseOffset} to offset ${segment.nextOffset} in ${seconds.toFixed(2)} s (${formatBytes(bytes / Math.max(seconds, 1e-3))}/s)`,
    );
    if (cut > 0)
      this.settings.warn(
        `${this.dir.path}: recovery truncated ${cut} bytes of torn or corrupt data from segment ${segment.baseOffset} at offset ${segment.nextOffset}`,
      );
  }
}

/**
 * Loads the newest producer snapshot at or below `end` (by default the log
 * end offset) and replays the batch headers (control batches whole) after it
 * up to `end` (on open, after a truncation, and before a recovery). Snapshots
 * past `end` (data a recovery or truncation cut, or about to be recovered)
 * and corrupt ones (with a warning) are deleted. Without a snapshot, a clean
 * shutdown replays the last two segments (as Kafka does, not to scan a whole
 * log written before snapshots existed), anything else the whole log.
 * Transactions ended by replayed markers are complete (their `.txnindex`
 * entries were written with them).
 */
export async function rebuildProducerState(
  producerState: ProducerStateManager,
  snapshots: ProducerSnapshots,
  segments: readonly LogSegment[],
  cleanShutdown: boolean,
  settings: Pick<LogLoadSettings, 'now' | 'producerIdExpirationMs' | 'warn'>,
  end = segments[segments.length - 1]!.nextOffset,
): Promise<void> {
  await snapshots.deleteWhere((offset) => offset > end);
  producerState.clear();
  let from: number | undefined;
  for (const offset of (await snapshots.offsets()).reverse()) {
    try {
      producerState.load(await snapshots.read(offset), settings.now(), settings.producerIdExpirationMs);
      from = offset;
      break;
    } catch (error) {
      if (!(error instanceof CorruptSnapshotError)) throw error;
      settings.warn(`${error.message}; deleting it and rebuilding producer state from the log`);
      await snapshots.delete(offset);
    }
  }
  from ??= cleanShutdown ? segments[Math.max(0, segments.length - 2)]!.baseOffset : (segments[0]?.baseOffset ?? end);
  for (const segment of segments) {
    if (segment.nextOffset <= from || segment.baseOffset >= end) continue;
    for await (const header of segment.headersFrom(Math.max(from, segment.baseOffset))) {
      if (header.baseOffset >= end) break;
      if (header.baseOffset < from) continue;
      const completed = producerState.update(header);
      if (completed) producerState.completeTxn(completed);
    }
  }
}
