import { randomUUID } from 'node:crypto';
import { existsSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { createBackend, type LevelOptions } from '../backend/index.js';
import { LEVEL_DATABASE } from '../backend/level-backend.js';
import type { LogDirectory, StorageBackend } from '../backend/storage-backend.js';
import {
  formatOffsetCheckpoint,
  LOG_START_OFFSET_CHECKPOINT,
  parseOffsetCheckpoint,
  RECOVERY_POINT_CHECKPOINT,
  REPLICATION_OFFSET_CHECKPOINT,
  type TopicPartitionOffset,
} from '../checkpoint/offset-checkpoint.js';
import { LogConfig } from '../config/log-config.js';
import { type CleanerCheckpoints, readCleanerCheckpoint, writeCleanerCheckpoint } from './cleaner/cleaner-checkpoint.js';
import { LogCleaner } from './cleaner/log-cleaner.js';
import { Log } from './log.js';
import { checkWrittenBackend } from './written-backend.js';

/** Kafka's marker, written at a clean shutdown and removed at start, so a crash is noticed. */
export const CLEAN_SHUTDOWN_FILE = '.kafka_cleanshutdown';

export interface LogManagerOptions {
  /** log.dirs: one or more directories; new partitions go to the one holding fewest. */
  logDirs: string[];
  /** Broker-wide log defaults with topic-level names (segment.bytes, retention.ms, storage.backend…). */
  defaults?: Record<string, unknown>;
  /** The level backend's settings (the broker's level.* configs), when storage.backend is level. */
  level?: Partial<LevelOptions>;
  /** log.retention.check.interval.ms (default 300000, as Kafka); 0 disables the background check. */
  retentionCheckIntervalMs?: number;
  /** log.flush.scheduler.interval.ms: how often logs past their flush.ms are flushed; off by default, as in Kafka. */
  flushSchedulerIntervalMs?: number;
  /** log.cleaner.enable: run compaction in the background (default true, as Kafka). `cleaner.cleanNow()` works either way. */
  cleanerEnable?: boolean;
  /** log.cleaner.backoff.ms: the cleaner's pause when nothing needed cleaning (default 15000). */
  cleanerBackoffMs?: number;
  /** log.cleaner.dedupe.buffer.size: the most memory the cleaner's offset map takes (default 128 MiB). */
  cleanerDedupeBufferSize?: number;
  /** log.cleaner.io.buffer.load.factor: how full the cleaner's offset map may get (default 0.9). */
  cleanerDedupeBufferLoadFactor?: number;
  /** log.cleaner.io.buffer.size: the cleaner's read and write chunks (default 512 KiB), shared out among its threads. */
  cleanerIoBufferSize?: number;
  /** log.cleaner.io.max.bytes.per.second: the most bytes the cleaner reads and writes per second, all threads together (no limit by default). */
  cleanerIoMaxBytesPerSecond?: number;
  /**
   * log.cleaner.threads: logs cleaned at once (default 1), each by a cleaner
   * thread whose record work (decoding, offset map, filtering, re-encoding)
   * runs in a worker thread of its own; 0 cleans one log at a time with the
   * record work on the main thread. Storage I/O stays on the main thread.
   */
  cleanerThreads?: number;
  /**
   * The config overrides of a topic whose logs are found on disk at open, as
   * Kafka takes them from its metadata (a broker passes its topic store; an
   * embedder its own record). Without it, found logs use the defaults.
   */
  topicConfigs?: (topic: string) => Record<string, unknown> | undefined;
  /** producer.id.expiration.ms: idempotent producers idle this long are forgotten, checked with retention (default 86400000, as Kafka). */
  producerIdExpirationMs?: number;
  /** The clock of the logs and the cleaner (tests move it). */
  now?: () => number;
  warn?: (message: string) => void;
  /** Where progress goes (logs loaded, segments recovered, logs cleaned, with sizes and times); nowhere by default. */
  info?: (message: string) => void;
}

interface Root {
  path: string;
  dir: LogDirectory;
  logs: Set<string>;
  /** What this process last wrote to each checkpoint file, so an unchanged one is not written (and fsynced) again. */
  checkpointed?: Map<string, string>;
}

const PARTITION_DIR = /^(.+)-(\d+)$/;
/**
 * A deleted log's directory, renamed as Kafka renames it and removed in the
 * background: removing a large log on the event loop stalled every partition
 * of the broker (unlink was 4% of each cluster broker's time in bench:broker,
 * which deletes its topics between cases).
 */
const DELETED_DIR = /^.+-\d+\.[0-9a-f]{32}-delete$/;

/**
 * All the logs of one process: one directory per partition, `<topic>-<partition>`,
 * under the log.dirs roots. It locks each root, notices unclean shutdowns,
 * keeps Kafka's checkpoint files, and runs retention and compaction (`cleaner`) in the background.
 * Usable without a broker: `await LogManager.open({ logDirs: ['./data'] })`.
 */
export class LogManager {
  private readonly logs = new Map<string, { log: Log; dir: LogDirectory; root: Root }>();
  private timer: NodeJS.Timeout | undefined;
  private flusher: NodeJS.Timeout | undefined;
  /** Each log's clean offset, from and to the cleaner-offset-checkpoint of its log dir. */
  private readonly cleanerOffsets = new Map<string, number>();
  /** High watermarks from replication-offset-checkpoint, read at start. */
  private readonly highWatermarks = new Map<string, number>();
  /** Deleted logs' directories being removed. */
  private readonly removals = new Set<Promise<void>>();
  /** Compaction of the logs whose cleanup.policy includes compact; `cleaner.cleanNow()` runs one pass. */
  readonly cleaner: LogCleaner;
  /** producer.id.expiration.ms of the open logs and those opened later (undefined: the log engine's default). */
  private producerIdExpirationMs: number | undefined;

  private constructor(
    private readonly backend: StorageBackend,
    private readonly roots: Root[],
    private readonly defaults: Record<string, unknown>,
    private readonly warn: (message: string) => void,
    private readonly options: LogManagerOptions,
  ) {
    const checkpoints: CleanerCheckpoints = {
      get: (key) => this.cleanerOffsets.get(key),
      set: async (key, offset) => {
        this.cleanerOffsets.set(key, offset);
        const entry = this.logs.get(key);
        if (entry) await this.writeCleanerCheckpoint(entry.root);
      },
    };
    this.cleaner = new LogCleaner(() => this.allLogs(), checkpoints, {
      backoffMs: options.cleanerBackoffMs,
      dedupeBufferSize: options.cleanerDedupeBufferSize,
      dedupeBufferLoadFactor: options.cleanerDedupeBufferLoadFactor,
      ioBufferSize: options.cleanerIoBufferSize,
      maxIoBytesPerSecond: options.cleanerIoMaxBytesPerSecond,
      threads: options.cleanerThreads,
      now: options.now,
      warn,
      info: options.info,
    });
    this.producerIdExpirationMs = options.producerIdExpirationMs;
  }

  /** Changes producer.id.expiration.ms for every open log and those opened later (dynamic in Kafka since 3.5, KIP-854); the next expiry check applies it. */
  setProducerIdExpirationMs(ms: number): void {
    this.producerIdExpirationMs = ms;
    for (const { log } of this.logs.values()) log.producerIdExpirationMs = ms;
  }

  private *allLogs(): Iterable<readonly [string, Log]> {
    for (const [key, { log }] of this.logs) yield [key, log];
  }

  private async writeCleanerCheckpoint(root: Root): Promise<void> {
    const entries: [string, number][] = [];
    for (const key of root.logs) {
      const offset = this.cleanerOffsets.get(key);
      if (offset !== undefined) entries.push([key, offset]);
    }
    await writeCleanerCheckpoint(root.dir, entries);
  }

  static async open(options: LogManagerOptions): Promise<LogManager> {
    const defaults = options.defaults ?? {};
    const base = LogConfig.from({}, defaults);
    const backend = createBackend(base.storageBackend, options.level);
    const warn = options.warn ?? ((m: string) => console.warn(m));
    for (const path of options.logDirs) checkWrittenBackend(path, backend.name);
    const roots: Root[] = [];
    for (const path of options.logDirs) roots.push({ path, dir: await backend.openDirectory(path, { warn }), logs: new Set() });
    const manager = new LogManager(backend, roots, defaults, warn, options);
    for (const root of roots) await manager.loadRoot(root);
    if (options.cleanerEnable ?? true) manager.cleaner.start();
    const interval = options.retentionCheckIntervalMs ?? 300_000;
    if (interval > 0) {
      manager.timer = setInterval(() => void manager.runRetention().catch((e: unknown) => warn(`retention failed: ${(e as Error).message}`)), interval);
      manager.timer.unref();
    }
    const flushEvery = options.flushSchedulerIntervalMs ?? 0;
    if (flushEvery > 0) {
      manager.flusher = setInterval(() => void manager.flushDue().catch((e: unknown) => warn(`flush failed: ${(e as Error).message}`)), flushEvery);
      manager.flusher.unref();
    }
    return manager;
  }

  /** Flushes every log whose flush.ms has passed. */
  async flushDue(): Promise<void> {
    for (const { log } of this.logs.values()) await log.flushIfDue();
  }

  private async readCheckpoint(root: Root, name: string): Promise<Map<string, number>> {
    const map = new Map<string, number>();
    if (!(await root.dir.exists(name))) return map;
    for (const e of parseOffsetCheckpoint((await root.dir.readAll(name)).toString('utf8'), join(root.path, name)))
      map.set(`${e.topic}-${e.partition}`, e.offset);
    return map;
  }

  private async loadRoot(root: Root): Promise<void> {
    const marker = join(root.path, CLEAN_SHUTDOWN_FILE);
    const cleanShutdown = existsSync(marker);
    const recoveryPoints = await this.readCheckpoint(root, RECOVERY_POINT_CHECKPOINT);
    const startOffsets = await this.readCheckpoint(root, LOG_START_OFFSET_CHECKPOINT);
    for (const [key, offset] of await this.readCheckpoint(root, REPLICATION_OFFSET_CHECKPOINT)) this.highWatermarks.set(key, offset);
    for (const [key, offset] of await readCleanerCheckpoint(root.dir)) this.cleanerOffsets.set(key, offset);
    const entries: string[] = [];
    for (const entry of readdirSync(root.path)) {
      if (!statSync(join(root.path, entry)).isDirectory()) continue;
      if (PARTITION_DIR.test(entry)) entries.push(entry);
      else if (DELETED_DIR.test(entry)) this.removeInBackground(join(root.path, entry));
      else if (entry !== LEVEL_DATABASE) this.warn(`${root.path}: ignoring unexpected directory ${entry}`);
    }
    const info = this.options.info ?? (() => {});
    const started = performance.now();
    if (entries.length > 0)
      info(
        `${root.path}: loading ${entries.length} logs after ${cleanShutdown ? 'a clean shutdown' : 'an unclean shutdown: segments past the recovery point are recovered'}`,
      );
    for (const [i, entry] of entries.entries()) {
      const loadStarted = performance.now();
      const dir = await this.backend.openDirectory(join(root.path, entry), { warn: this.warn });
      const topic = PARTITION_DIR.exec(entry)![1]!;
      const log = await Log.open(dir, this.configFor(this.options.topicConfigs?.(topic)), {
        cleanShutdown,
        recoveryPoint: recoveryPoints.get(entry) ?? 0,
        logStartOffset: startOffsets.get(entry),
        warn: this.warn,
        info,
        now: this.options.now,
        producerIdExpirationMs: this.producerIdExpirationMs,
      });
      this.logs.set(entry, { log, dir, root });
      root.logs.add(entry);
      // Kafka's line, so an operator watching a long start sees how far it is.
      info(
        `completed load of log ${entry} with ${log.allSegments.length} segments, log start offset ${log.logStartOffset} and log end offset ${log.logEndOffset} in ${Math.round(performance.now() - loadStarted)} ms (${i + 1}/${entries.length} completed in ${root.path})`,
      );
    }
    if (entries.length > 0) info(`${root.path}: loaded ${entries.length} logs in ${Math.round(performance.now() - started)} ms`);
    // From here on a crash must be noticed at the next start.
    if (cleanShutdown) unlinkSync(marker);
  }

  private configFor(overrides: Record<string, unknown> = {}): LogConfig {
    return LogConfig.from(overrides, this.defaults);
  }

  /** The high watermark replication-offset-checkpoint held for a log at start, if any (a replica restarts from it, not from its log end). */
  checkpointedHighWatermark(topic: string, partition: number): number | undefined {
    return this.highWatermarks.get(`${topic}-${partition}`);
  }

  getLog(topic: string, partition: number): Log | undefined {
    return this.logs.get(`${topic}-${partition}`)?.log;
  }

  /** Applies a topic's config overrides (Kafka's names) to every open log of it, as AlterConfigs does. */
  setTopicConfig(topic: string, overrides: Record<string, unknown>): void {
    const config = this.configFor(overrides);
    for (const [key, { log }] of this.logs) if (PARTITION_DIR.exec(key)![1] === topic) log.config = config;
  }

  /** The partition's log, created in the root holding the fewest partitions if new; `topicConfig` applies to a new log (see setTopicConfig to change it). */
  async getOrCreateLog(topic: string, partition: number, topicConfig: Record<string, unknown> = {}): Promise<Log> {
    const key = `${topic}-${partition}`;
    const existing = this.logs.get(key);
    if (existing) return existing.log;
    if (!/^[a-zA-Z0-9._-]{1,249}$/.test(topic)) throw new RangeError(`invalid topic name '${topic}'`);
    const root = this.roots.reduce((a, b) => (b.logs.size < a.logs.size ? b : a));
    const dir = await this.backend.openDirectory(join(root.path, key), { warn: this.warn });
    const log = await Log.open(dir, this.configFor(topicConfig), {
      warn: this.warn,
      now: this.options.now,
      producerIdExpirationMs: this.producerIdExpirationMs,
    });
    this.logs.set(key, { log, dir, root });
    root.logs.add(key);
    return log;
  }

  async deleteLog(topic: string, partition: number): Promise<void> {
    const key = `${topic}-${partition}`;
    const entry = this.logs.get(key);
    if (!entry) return;
    this.logs.delete(key);
    entry.root.logs.delete(key);
    await entry.log.close(); // aborts a cleaning of it
    await entry.dir.close();
    // Renamed at once (a restart never loads it again), removed on the thread pool.
    const doomed = join(entry.root.path, `${key}.${randomUUID().replaceAll('-', '')}-delete`);
    try {
      renameSync(join(entry.root.path, key), doomed);
      this.removeInBackground(doomed);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    if (this.cleanerOffsets.delete(key)) await this.writeCleanerCheckpoint(entry.root);
  }

  private removeInBackground(path: string): void {
    const removal: Promise<void> = rm(path, { recursive: true, force: true })
      .catch((error: Error) => this.warn(`removing the deleted log ${path} failed: ${error.message}`))
      .finally(() => this.removals.delete(removal));
    this.removals.add(removal);
  }

  /** Resolves once the deleted logs' directories are gone. */
  async removalsDone(): Promise<void> {
    while (this.removals.size > 0) await Promise.all(this.removals);
  }

  /** Runs retention on every log now, and forgets expired idempotent producers (the background timer calls this). */
  async runRetention(): Promise<number> {
    let deleted = 0;
    for (const { log } of this.logs.values()) {
      deleted += await log.deleteRetainedSegments();
      log.removeExpiredProducers();
    }
    return deleted;
  }

  /** Writes recovery-point-offset-checkpoint, log-start-offset-checkpoint and replication-offset-checkpoint in every root. */
  async checkpoint(): Promise<void> {
    for (const root of this.roots) await this.checkpointRoot(root);
  }

  private async checkpointRoot(root: Root): Promise<void> {
    const points: TopicPartitionOffset[] = [];
    const starts: TopicPartitionOffset[] = [];
    const highWatermarks: TopicPartitionOffset[] = [];
    for (const key of [...root.logs].sort()) {
      const { log } = this.logs.get(key)!;
      // Segments rolled whose indexes are not yet synced (their roll's flush failed or still runs) are, so the recovery point passes them.
      await log.syncRolledSegments();
      const [, topic, partition] = PARTITION_DIR.exec(key)!;
      points.push({ topic: topic!, partition: Number(partition), offset: log.recoveryPoint });
      starts.push({ topic: topic!, partition: Number(partition), offset: log.logStartOffset });
      highWatermarks.push({ topic: topic!, partition: Number(partition), offset: log.highWatermark });
    }
    await this.writeCheckpoint(root, RECOVERY_POINT_CHECKPOINT, formatOffsetCheckpoint(points));
    await this.writeCheckpoint(root, LOG_START_OFFSET_CHECKPOINT, formatOffsetCheckpoint(starts));
    await this.writeCheckpoint(root, REPLICATION_OFFSET_CHECKPOINT, formatOffsetCheckpoint(highWatermarks));
  }

  /**
   * Writes a checkpoint file unless it already holds `text`. A cluster
   * checkpoints every replica.high.watermark.checkpoint.interval.ms, and
   * each atomic write is two fsyncs on the event loop (milliseconds to tens
   * of them here): rewriting the files that did not change stalled every
   * request for that long each time.
   */
  private async writeCheckpoint(root: Root, name: string, text: string): Promise<void> {
    const written = (root.checkpointed ??= new Map());
    if (written.get(name) === text) return;
    written.delete(name); // a failed write is tried again next time
    await root.dir.writeAtomically(name, Buffer.from(text));
    written.set(name, text);
  }

  /**
   * Flushes and closes every log, checkpoints, and marks the shutdown clean.
   * A step that fails (a full disk) is warned about and the rest go on, so
   * closing always completes; a root where anything failed gets no
   * clean-shutdown marker, and the next open recovers its logs.
   */
  async close(): Promise<void> {
    await this.cleaner.stop();
    if (this.timer) clearInterval(this.timer);
    if (this.flusher) clearInterval(this.flusher);
    const failed = new Set<Root>();
    const attempt = async (root: Root, what: string, step: () => Promise<void>) => {
      try {
        await step();
      } catch (error) {
        failed.add(root);
        this.warn(`${what} failed at shutdown, so ${root.path} will be recovered at the next start: ${(error as Error).message}`);
      }
    };
    for (const [key, { log, root }] of this.logs) await attempt(root, `flushing ${key}`, () => log.flush());
    for (const root of this.roots) await attempt(root, `checkpointing ${root.path}`, () => this.checkpointRoot(root));
    for (const [key, { log, dir, root }] of this.logs) {
      await attempt(root, `closing ${key}`, () => log.close());
      await attempt(root, `closing ${key}'s directory`, () => dir.close());
    }
    await this.removalsDone();
    for (const root of this.roots) {
      if (!failed.has(root)) await attempt(root, 'writing the clean-shutdown marker', async () => writeFileSync(join(root.path, CLEAN_SHUTDOWN_FILE), ''));
      await attempt(root, `closing ${root.path}`, () => root.dir.close());
    }
  }
}
