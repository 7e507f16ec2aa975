import { formatBytes } from '../format-bytes.js';
import type { Log } from '../log.js';
import { LogCleaningAbortedError } from '../log-errors.js';
import { type CleanableRange, cleanableRange, isCleanable } from './cleanable-range.js';
import {
  Cleaner,
  type CleanerOptions,
  type CleaningResult,
  DEFAULT_DEDUPE_BUFFER_LOAD_FACTOR,
  DEFAULT_DEDUPE_BUFFER_SIZE,
  DEFAULT_IO_BUFFER_SIZE,
} from './cleaner.js';
import { type CleanerCheckpoints, InMemoryCleanerCheckpoints } from './cleaner-checkpoint.js';
import { CleanerWorkerError } from './cleaner-thread.js';
import { IoThrottler } from './io-throttler.js';

/** log.cleaner.backoff.ms: Kafka's pause after a pass that found nothing to clean. */
export const DEFAULT_CLEANER_BACKOFF_MS = 15_000;

export interface LogCleanerOptions extends CleanerOptions {
  /** log.cleaner.backoff.ms: how long the background loop sleeps when nothing needed cleaning. */
  backoffMs?: number;
  /** log.cleaner.io.max.bytes.per.second: the most bytes all cleanings together read and write per second (no limit by default). */
  maxIoBytesPerSecond?: number;
  /** The cleaner's clock (compaction lags and delete horizons are measured by it). */
  now?: () => number;
  warn?: (message: string) => void;
  /** Where each cleaning's start and summary go (Kafka's log-cleaner.log lines); nowhere by default. */
  info?: (message: string) => void;
}

/** The settings a running LogCleaner takes anew (Kafka's LogCleaner.ReconfigurableConfigs that samsa has). */
export type CleanerSettings = Required<
  Pick<LogCleanerOptions, 'threads' | 'dedupeBufferSize' | 'dedupeBufferLoadFactor' | 'ioBufferSize' | 'maxIoBytesPerSecond' | 'backoffMs'>
>;

/** What one cleaning pass cleaned. */
export interface LogCleaningOutcome extends CleaningResult {
  /** The log cleaned, `<topic>-<partition>`. */
  readonly key: string;
  /** The cleaner thread that cleaned it, from 0. */
  readonly thread: number;
}

/**
 * One cleaner thread (Kafka's CleanerThread): a Cleaner of its own (its
 * offset map, buffers and worker thread) and a loop of passes, one at a time.
 */
class CleanerLane {
  readonly cleaner: Cleaner;
  /** Aborted when the thread stops (the cleaner stops, or restarts with new settings): its cleaning in progress ends. */
  readonly stopping = new AbortController();
  tail: Promise<unknown> = Promise.resolve();
  timer: NodeJS.Timeout | undefined;

  constructor(
    readonly id: number,
    options: CleanerOptions,
  ) {
    this.cleaner = new Cleaner(options);
  }
}

/**
 * Compaction for many logs (Kafka's LogCleaner): each of its
 * log.cleaner.threads threads passes over every log whose cleanup.policy
 * includes compact, picks the dirtiest no other thread is cleaning whose dirty
 * ratio exceeds its min.cleanable.dirty.ratio (or whose oldest dirty record
 * passed max.compaction.lag.ms), cleans it and records the new clean offset
 * in the checkpoints; then it applies retention to compact,delete logs no
 * other thread holds. In the background a thread's pass follows its last at
 * once when it cleaned something, else after log.cleaner.backoff.ms. The
 * threads share out log.cleaner.dedupe.buffer.size and
 * log.cleaner.io.buffer.size, and one throttle
 * (log.cleaner.io.max.bytes.per.second) bounds their reads and writes
 * together. `reconfigure` restarts them with new settings, as Kafka does.
 *
 * For embedders and tests: `cleanNow()` runs one pass (thread 0's) and
 * resolves when it is done; `cleanLog(key)` cleans one log whatever its
 * ratio; `LogCleaner.cleanLog(log)` cleans a lone Log.
 */
export class LogCleaner {
  private settings: CleanerSettings;
  private lanes: CleanerLane[];
  private readonly throttler: IoThrottler;
  private readonly workerScript: URL | undefined;
  private readonly now: () => number;
  private readonly warn: (message: string) => void;
  private readonly info: (message: string) => void;
  private readonly uncleanable = new Set<string>();
  /** Logs a thread is cleaning, or applying retention to: no other thread takes them meanwhile (Kafka's in-progress partitions). */
  private readonly busy = new Set<string>();
  /** The restart in progress (they run one after another). */
  private restarts: Promise<void> = Promise.resolve();
  private running = false;
  private stopped = false;

  constructor(
    /** The logs to consider, by `<topic>-<partition>` (called at every pass). */
    private readonly logs: () => Iterable<readonly [string, Log]>,
    readonly checkpoints: CleanerCheckpoints = new InMemoryCleanerCheckpoints(),
    options: LogCleanerOptions = {},
  ) {
    this.warn = options.warn ?? ((m: string) => console.warn(m));
    this.info = options.info ?? (() => {});
    this.now = options.now ?? Date.now;
    this.workerScript = options.workerScript;
    this.settings = {
      threads: options.threads ?? 1,
      dedupeBufferSize: options.dedupeBufferSize ?? DEFAULT_DEDUPE_BUFFER_SIZE,
      dedupeBufferLoadFactor: options.dedupeBufferLoadFactor ?? DEFAULT_DEDUPE_BUFFER_LOAD_FACTOR,
      ioBufferSize: options.ioBufferSize ?? DEFAULT_IO_BUFFER_SIZE,
      maxIoBytesPerSecond: options.maxIoBytesPerSecond ?? Number.MAX_VALUE,
      backoffMs: options.backoffMs ?? DEFAULT_CLEANER_BACKOFF_MS,
    };
    this.throttler = new IoThrottler(this.settings.maxIoBytesPerSecond);
    this.lanes = this.makeLanes();
  }

  /** Cleans a lone log once, from `checkpoint` (default: its start), whatever its dirty ratio. */
  static async cleanLog(log: Log, options: LogCleanerOptions & { checkpoint?: number } = {}): Promise<CleaningResult> {
    const now = (options.now ?? Date.now)();
    const cleaner = new Cleaner(options);
    try {
      return await log.runCleaning(async (signal) => {
        const range = await cleanableRange(log, options.checkpoint, now, options.warn);
        return cleaner.clean(log, range, now, () => signal.throwIfAborted(), signal);
      });
    } finally {
      cleaner.close();
    }
  }

  /** The settings in effect (log.cleaner.*). */
  get currentSettings(): Readonly<CleanerSettings> {
    return this.settings;
  }

  /** The pause when no log needed cleaning (log.cleaner.backoff.ms). */
  get backoffMs(): number {
    return this.settings.backoffMs;
  }

  /** The cleaner threads running: logs that may be cleaned at once. */
  get threadCount(): number {
    return this.lanes.length;
  }

  /** What each cleaner thread has of the buffers: its offset map's most memory and its read and write chunk. */
  get perThread(): { dedupeBufferSize: number; ioBufferSize: number } {
    return this.perThreadOf(this.lanes.length);
  }

  /** Milliseconds the cleaner has paused to keep to log.cleaner.io.max.bytes.per.second. */
  get throttledMs(): number {
    return this.throttler.pausedMs;
  }

  /** Whether the cleaner is paused now to keep to log.cleaner.io.max.bytes.per.second. */
  get throttling(): boolean {
    return this.throttler.pausing;
  }

  /** Logs an unexpected error made uncleanable until restart (Kafka's uncleanable partitions). */
  get uncleanablePartitions(): ReadonlySet<string> {
    return this.uncleanable;
  }

  /** One cleaner thread per log.cleaner.threads (one, its record work in-thread, for 0), each with its share of the buffers. */
  private makeLanes(): CleanerLane[] {
    const { threads, dedupeBufferLoadFactor } = this.settings;
    const count = Math.max(threads, 1);
    const share = this.perThreadOf(count);
    return Array.from(
      { length: count },
      (_, id) =>
        new CleanerLane(id, {
          ...share,
          dedupeBufferLoadFactor,
          threads: threads > 0 ? 1 : 0,
          worker: id,
          throttler: this.throttler,
          warn: this.warn,
          workerScript: this.workerScript,
        }),
    );
  }

  private perThreadOf(count: number): { dedupeBufferSize: number; ioBufferSize: number } {
    return { dedupeBufferSize: Math.floor(this.settings.dedupeBufferSize / count), ioBufferSize: Math.floor(this.settings.ioBufferSize / count) };
  }

  /** Starts the background loops; each thread's first pass comes after log.cleaner.backoff.ms. */
  start(): void {
    if (this.stopped || this.running) return;
    this.running = true;
    for (const lane of this.lanes) this.schedule(lane, this.settings.backoffMs);
  }

  private schedule(lane: CleanerLane, delay: number): void {
    lane.timer = setTimeout(() => {
      lane.timer = undefined;
      void this.pass(lane)
        .catch((error: unknown) => {
          this.warn(`log cleaner pass failed: ${(error as Error).message}`);
          return undefined;
        })
        .then((outcome) => {
          if (this.running && !lane.stopping.signal.aborted) this.schedule(lane, outcome ? 0 : this.settings.backoffMs);
        });
    }, delay);
    lane.timer.unref();
  }

  /**
   * New settings while the cleaner runs (Kafka's LogCleaner.reconfigure): the
   * throttle takes its new rate at once, and the cleaner threads restart with
   * the new settings: cleanings in progress stop (their logs keep their
   * segments and are cleaned again), and each new thread, if the loops run,
   * starts with a pass at once. Resolves once they run; nothing changes when
   * the settings are the same.
   */
  reconfigure(changes: Partial<CleanerSettings>): Promise<void> {
    const run = this.restarts.then(() => this.reconfigureNow(changes));
    this.restarts = run.catch(() => undefined);
    return run;
  }

  private async reconfigureNow(changes: Partial<CleanerSettings>): Promise<void> {
    const next: CleanerSettings = { ...this.settings };
    for (const [name, value] of Object.entries(changes) as Array<[keyof CleanerSettings, number | undefined]>) if (value !== undefined) next[name] = value;
    if (this.stopped || (Object.keys(next) as Array<keyof CleanerSettings>).every((name) => next[name] === this.settings[name])) return;
    if (next.maxIoBytesPerSecond !== this.settings.maxIoBytesPerSecond)
      this.info(
        next.maxIoBytesPerSecond < Number.MAX_VALUE
          ? `log cleaner I/O limited to ${formatBytes(next.maxIoBytesPerSecond)}/s`
          : 'log cleaner I/O no longer limited',
      );
    this.throttler.bytesPerSecond = next.maxIoBytesPerSecond;
    this.settings = next;
    const old = this.lanes;
    this.lanes = this.makeLanes();
    const share = this.perThread;
    this.info(
      `restarting the log cleaner: ${this.lanes.length} threads (${next.threads > 0 ? 'record work in worker threads' : 'on the main thread'}), ${formatBytes(share.dedupeBufferSize)} of offset map and ${formatBytes(share.ioBufferSize)} chunks each, load factor ${next.dedupeBufferLoadFactor}, backoff ${next.backoffMs} ms`,
    );
    await this.stopLanes(old, new LogCleaningAbortedError('log cleaner restarted with new settings'));
    if (this.running && !this.stopped) for (const lane of this.lanes) this.schedule(lane, 0);
  }

  /** Stops the loops, aborting the cleanings in progress (their logs keep their segments), and waits for them. */
  async stop(): Promise<void> {
    this.stopped = true;
    this.running = false;
    await this.restarts;
    await this.stopLanes(this.lanes, new LogCleaningAbortedError('log cleaner shut down'));
  }

  private async stopLanes(lanes: readonly CleanerLane[], reason: Error): Promise<void> {
    for (const lane of lanes) {
      clearTimeout(lane.timer);
      lane.timer = undefined;
      lane.stopping.abort(reason);
    }
    await Promise.all(lanes.map((lane) => lane.tail.catch(() => undefined)));
    for (const lane of lanes) lane.cleaner.close();
  }

  /** How every compacted log measures now: its dirty section and ratio (what a pass chooses from). */
  async measure(): Promise<Map<string, CleanableRange>> {
    const now = this.now();
    const ranges = new Map<string, CleanableRange>();
    for (const [key, log] of this.logs()) if (log.config.compact) ranges.set(key, await cleanableRange(log, this.checkpoints.get(key), now));
    return ranges;
  }

  /**
   * One pass, as cleaner thread 0's: cleans the dirtiest cleanable log no
   * other thread is cleaning, if any, then applies retention to compact,delete
   * logs. Resolves with what was cleaned, or undefined. A thread's passes
   * never overlap.
   */
  cleanNow(): Promise<LogCleaningOutcome | undefined> {
    return this.pass(this.lanes[0]!);
  }

  private pass(lane: CleanerLane): Promise<LogCleaningOutcome | undefined> {
    return this.serialize(lane, async () => {
      const now = this.now();
      const logs = [...this.logs()];
      // Forget failures of logs that are gone (Kafka's maintainUncleanablePartitions).
      for (const key of this.uncleanable) if (!logs.some(([k]) => k === key)) this.uncleanable.delete(key);
      const cleanable: Array<{ key: string; log: Log; ratio: number }> = [];
      for (const [key, log] of logs) {
        if (!log.config.compact || this.uncleanable.has(key) || this.busy.has(key)) continue;
        let range: CleanableRange;
        try {
          range = await cleanableRange(log, this.checkpoints.get(key), now, this.warn);
        } catch (error) {
          this.warn(`measuring log ${key} for cleaning failed: ${(error as Error).message}`);
          continue;
        }
        if (range.checkpointReset) await this.checkpoints.set(key, range.firstDirtyOffset);
        if (isCleanable(range, log.config.minCleanableDirtyRatio)) cleanable.push({ key, log, ratio: range.cleanableRatio });
      }
      // The dirtiest that no other thread took while these were measured (the first measured of equals).
      const dirtiest = cleanable.sort((a, b) => b.ratio - a.ratio).find((c) => !this.busy.has(c.key));
      const outcome = dirtiest ? await this.exclusively(dirtiest.key, () => this.cleanOne(lane, dirtiest.key, dirtiest.log, now)) : undefined;
      for (const [key, log] of logs) {
        if (this.stopped || lane.stopping.signal.aborted || !log.config.compact || !log.config.delete || this.uncleanable.has(key) || this.busy.has(key))
          continue;
        try {
          await this.exclusively(key, () => log.deleteRetainedSegments());
        } catch (error) {
          this.warn(`retention of ${key} failed: ${(error as Error).message}`);
        }
      }
      return outcome;
    });
  }

  /** Cleans the log named `key` now (on thread 0) if it has a dirty section, whatever its dirty ratio; undefined if another thread holds it. */
  cleanLog(key: string): Promise<LogCleaningOutcome | undefined> {
    const lane = this.lanes[0]!;
    return this.serialize(lane, async () => {
      for (const [k, log] of this.logs()) if (k === key && !this.busy.has(k)) return this.exclusively(key, () => this.cleanOne(lane, key, log, this.now()));
      return undefined;
    });
  }

  private serialize<T>(lane: CleanerLane, pass: () => Promise<T | undefined>): Promise<T | undefined> {
    const run = lane.tail.then(() => (this.stopped || lane.stopping.signal.aborted ? undefined : pass()));
    lane.tail = run.catch(() => undefined);
    return run;
  }

  private async exclusively<T>(key: string, work: () => Promise<T>): Promise<T> {
    this.busy.add(key);
    try {
      return await work();
    } finally {
      this.busy.delete(key);
    }
  }

  private async cleanOne(lane: CleanerLane, key: string, log: Log, now: number): Promise<LogCleaningOutcome | undefined> {
    try {
      const result = await log.runCleaning(async (signal) => {
        const stopped = AbortSignal.any([signal, lane.stopping.signal]);
        // Measured again now that nothing else can change the segments.
        const range = await cleanableRange(log, this.checkpoints.get(key), now);
        if (range.firstUncleanableOffset > range.firstDirtyOffset)
          this.info(`cleaning log ${key}: offsets ${range.firstDirtyOffset} to ${range.firstUncleanableOffset - 1} are dirty`);
        return lane.cleaner.clean(log, range, now, () => stopped.throwIfAborted(), stopped);
      });
      if (result.endOffset > result.firstDirtyOffset) this.info(cleaningSummary(key, result));
      await this.checkpoints.set(key, result.endOffset);
      return { key, thread: lane.id, ...result };
    } catch (error) {
      if (error instanceof LogCleaningAbortedError) return undefined; // truncated, deleted or closed meanwhile, or the cleaner stopped
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
