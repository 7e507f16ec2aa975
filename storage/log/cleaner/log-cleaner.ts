import { formatBytes } from '../format-bytes.js';
import type { Log } from '../log.js';
import { LogCleaningAbortedError } from '../log-errors.js';
import { type CleanableRange, cleanableRange, isCleanable } from './cleanable-range.js';
import { Cleaner, type CleanerOptions, type CleaningResult } from './cleaner.js';
import { type CleanerCheckpoints, InMemoryCleanerCheckpoints } from './cleaner-checkpoint.js';
import { CleanerWorkerError } from './cleaner-thread.js';

/** log.cleaner.backoff.ms: Kafka's pause after a pass that found nothing to clean. */
export const DEFAULT_CLEANER_BACKOFF_MS = 15_000;

export interface LogCleanerOptions extends CleanerOptions {
  /** log.cleaner.backoff.ms: how long the background loop sleeps when nothing needed cleaning. */
  backoffMs?: number;
  /** The cleaner's clock (compaction lags and delete horizons are measured by it). */
  now?: () => number;
  warn?: (message: string) => void;
  /** Where each cleaning's start and summary go (Kafka's log-cleaner.log lines); nowhere by default. */
  info?: (message: string) => void;
}

/** What one cleaning pass cleaned. */
export interface LogCleaningOutcome extends CleaningResult {
  /** The log cleaned, `<topic>-<partition>`. */
  readonly key: string;
}

/**
 * Compaction for many logs (Kafka's LogCleaner with one cleaner thread): each
 * pass measures every log whose cleanup.policy includes compact, picks the
 * dirtiest whose dirty ratio exceeds its min.cleanable.dirty.ratio (or whose
 * oldest dirty record passed max.compaction.lag.ms), cleans it and records the
 * new clean offset in the checkpoints; then it applies retention to
 * compact,delete logs. In the background a pass follows the last at once when
 * it cleaned something, else after log.cleaner.backoff.ms.
 *
 * For embedders and tests: `cleanNow()` runs one pass and resolves when it is
 * done; `cleanLog(key)` cleans one log whatever its ratio;
 * `LogCleaner.cleanLog(log)` cleans a lone Log.
 */
export class LogCleaner {
  private readonly cleaner: Cleaner;
  /** The pause when no log needed cleaning (log.cleaner.backoff.ms); a broker may change it while the cleaner runs. */
  backoffMs: number;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly info: (message: string) => void;
  private readonly shutdown = new AbortController();
  private readonly uncleanable = new Set<string>();
  private tail: Promise<unknown> = Promise.resolve();
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;

  constructor(
    /** The logs to consider, by `<topic>-<partition>` (called at every pass). */
    private readonly logs: () => Iterable<readonly [string, Log]>,
    readonly checkpoints: CleanerCheckpoints = new InMemoryCleanerCheckpoints(),
    options: LogCleanerOptions = {},
  ) {
    this.warn = options.warn ?? ((m: string) => console.warn(m));
    this.info = options.info ?? (() => {});
    this.cleaner = new Cleaner({ ...options, warn: this.warn });
    this.backoffMs = options.backoffMs ?? DEFAULT_CLEANER_BACKOFF_MS;
    this.now = options.now ?? Date.now;
  }

  /** Cleans a lone log once, from `checkpoint` (default: its start), whatever its dirty ratio. */
  static async cleanLog(log: Log, options: LogCleanerOptions & { checkpoint?: number } = {}): Promise<CleaningResult> {
    const now = (options.now ?? Date.now)();
    const cleaner = new Cleaner(options);
    try {
      return await log.runCleaning(async (signal) => {
        const range = await cleanableRange(log, options.checkpoint, now, options.warn);
        return cleaner.clean(log, range, now, () => signal.throwIfAborted());
      });
    } finally {
      cleaner.close();
    }
  }

  /** Logs an unexpected error made uncleanable until restart (Kafka's uncleanable partitions). */
  get uncleanablePartitions(): ReadonlySet<string> {
    return this.uncleanable;
  }

  /** Starts the background loop; its first pass comes after log.cleaner.backoff.ms. */
  start(): void {
    if (!this.stopped && !this.timer) this.schedule(this.backoffMs);
  }

  private schedule(delay: number): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.cleanNow()
        .catch((error: unknown) => {
          this.warn(`log cleaner pass failed: ${(error as Error).message}`);
          return undefined;
        })
        .then((outcome) => {
          if (!this.stopped) this.schedule(outcome ? 0 : this.backoffMs);
        });
    }, delay);
    this.timer.unref();
  }

  /** Stops the loop, aborting a cleaning in progress (its log keeps its segments), and waits for it. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.shutdown.abort(new LogCleaningAbortedError('log cleaner shut down'));
    await this.tail.catch(() => undefined);
    this.cleaner.close();
  }

  /** How every compacted log measures now: its dirty section and ratio (what a pass chooses from). */
  async measure(): Promise<Map<string, CleanableRange>> {
    const now = this.now();
    const ranges = new Map<string, CleanableRange>();
    for (const [key, log] of this.logs()) if (log.config.compact) ranges.set(key, await cleanableRange(log, this.checkpoints.get(key), now));
    return ranges;
  }

  /**
   * One pass, as a cleaner thread's: cleans the dirtiest cleanable log, if
   * any, then applies retention to compact,delete logs. Resolves with what was
   * cleaned, or undefined. Passes never overlap.
   */
  cleanNow(): Promise<LogCleaningOutcome | undefined> {
    return this.serialize(async () => {
      const now = this.now();
      const logs = [...this.logs()];
      // Forget failures of logs that are gone (Kafka's maintainUncleanablePartitions).
      for (const key of this.uncleanable) if (!logs.some(([k]) => k === key)) this.uncleanable.delete(key);
      let dirtiest: { key: string; log: Log; ratio: number } | undefined;
      for (const [key, log] of logs) {
        if (!log.config.compact || this.uncleanable.has(key)) continue;
        let range: CleanableRange;
        try {
          range = await cleanableRange(log, this.checkpoints.get(key), now, this.warn);
        } catch (error) {
          this.warn(`measuring log ${key} for cleaning failed: ${(error as Error).message}`);
          continue;
        }
        if (range.checkpointReset) await this.checkpoints.set(key, range.firstDirtyOffset);
        if (!isCleanable(range, log.config.minCleanableDirtyRatio)) continue;
        if (!dirtiest || range.cleanableRatio > dirtiest.ratio) dirtiest = { key, log, ratio: range.cleanableRatio };
      }
      const outcome = dirtiest ? await this.cleanOne(dirtiest.key, dirtiest.log, now) : undefined;
      for (const [key, log] of logs) {
        if (this.stopped || !log.config.compact || !log.config.delete || this.uncleanable.has(key)) continue;
        try {
          await log.deleteRetainedSegments();
        } catch (error) {
          this.warn(`retention of ${key} failed: ${(error as Error).message}`);
        }
      }
      return outcome;
    });
  }

  /** Cleans the log named `key` now if it has a dirty section, whatever its dirty ratio. */
  cleanLog(key: string): Promise<LogCleaningOutcome | undefined> {
    return this.serialize(async () => {
      for (const [k, log] of this.logs()) if (k === key) return this.cleanOne(key, log, this.now());
      return undefined;
    });
  }

  private serialize<T>(pass: () => Promise<T | undefined>): Promise<T | undefined> {
    const run = this.tail.then(() => (this.stopped ? undefined : pass()));
    this.tail = run.catch(() => undefined);
    return run;
  }

  private async cleanOne(key: string, log: Log, now: number): Promise<LogCleaningOutcome | undefined> {
    try {
      const result = await log.runCleaning(async (signal) => {
        const checkDone = () => {
          signal.throwIfAborted();
          this.shutdown.signal.throwIfAborted();
        };
        // Measured again now that nothing else can change the segments.
        const range = await cleanableRange(log, this.checkpoints.get(key), now);
        if (range.firstUncleanableOffset > range.firstDirtyOffset)
          this.info(`cleaning log ${key}: offsets ${range.firstDirtyOffset} to ${range.firstUncleanableOffset - 1} are dirty`);
        return this.cleaner.clean(log, range, now, checkDone);
      });
      if (result.endOffset > result.firstDirtyOffset) this.info(cleaningSummary(key, result));
      await this.checkpoints.set(key, result.endOffset);
      return { key, ...result };
    } catch (error) {
      if (error instanceof LogCleaningAbortedError) return undefined; // truncated, deleted or closed meanwhile
      if (error instanceof CleanerWorkerError) {
        // Not the log's fault: the next pass starts another worker and cleans it again.
        this.warn(`cleaning log ${key} failed: ${error.message}`);
        return undefined;
      }
      this.uncleanable.add(key);
      this.warn(`cleaning log ${key} failed; it is not cleaned again until restart: ${(error as Error).message}`);
      return undefined;
    }
  }
}

/** Kafka's summary of one cleaning, what an operator reads in log-cleaner.log. */
function cleaningSummary(key: string, { firstDirtyOffset, endOffset, stats }: CleaningResult): string {
  const seconds = Math.max(stats.elapsedMs / 1000, 1e-3);
  const processed = stats.mapBytesRead + stats.bytesRead;
  const reduction = stats.bytesRead > 0 ? (100 * (stats.bytesRead - stats.bytesWritten)) / stats.bytesRead : 0;
  return (
    `cleaned log ${key} (dirty section = [${firstDirtyOffset}, ${endOffset}]): ${formatBytes(processed)} of log processed in ${seconds.toFixed(2)} s ` +
    `(${formatBytes(processed / seconds)}/s), ${formatBytes(stats.bytesRead)} of ${stats.segmentsCleaned} segments rewritten to ${formatBytes(stats.bytesWritten)} ` +
    `(${reduction.toFixed(1)}% size reduction), ${stats.recordsWritten} of ${stats.recordsRead} records kept`
  );
}
