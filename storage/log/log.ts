// One partition's log. Longer than the ~600 lines files keep to, for a
// reason: the append order, truncations (which must fall between appends)
// and group commit's flushes share their state (the append chain, the synced
// offset, the truncation count), and each is correct only as the others use it.
import type { LogDirectory } from '../backend/storage-backend.js';
import type { LogConfig } from '../config/log-config.js';
import { TimestampType } from '../record/record-batch-layout.js';
import { validateBatches } from '../record/record-batch-scan.js';
import type { RecordBatchView } from '../record/record-batch-view.js';
import type { AppendOrigin } from './append-origin.js';
import { emptyRead, type FetchData } from './fetch-data.js';
import type { LeaderEpochCache } from './leader-epoch-cache.js';
import { InvalidTimestampError, LogCleaningAbortedError, OffsetOutOfRangeError, RecordTooLargeError, UnexpectedAppendOffsetError } from './log-errors.js';
import { CLEANED_SUFFIX, DELETED_SUFFIX, SWAP_SUFFIX, segmentFileNames } from './log-file-names.js';
import { type LoadedLog, LogLoader, type LogLoadSettings, logLoadSettings, type OpenLogOptions, rebuildProducerState } from './log-loader.js';
import { abortedTxnOf, LogSegment } from './log-segment.js';
import { validateForAppend } from './log-validator.js';
import { MAX_RELATIVE_OFFSET } from './offset-index.js';
import type { ProducerSnapshots } from './producer-snapshot.js';
import type { CompletedTxn, ProducerStateManager, TransactionVerifier } from './producer-state.js';
import { collectAbortedTransactions, findOffsetForTimestamp, maxTimestampOffset, readSegments, segmentIndexFor } from './segment-reads.js';
import type { AbortedTxn } from './transaction-index.js';

export interface AppendInfo {
  baseOffset: number;
  lastOffset: number;
  /** The time stamped on the batches under LogAppendTime, else -1. */
  logAppendTimeMs: number;
}

export interface AppendOptions {
  /** The leader epoch written into the batches (and recorded when it is new). */
  leaderEpoch?: number;
  /** Who sends the batches, deciding what is checked (append-origin.ts); without one, headers and CRCs only. */
  origin?: AppendOrigin;
  /**
   * For a producer's append (AppendOrigin.Client): whether its transactional
   * batch may start a transaction here, the transaction coordinator's
   * KIP-890 verification (see TransactionVerifier). Without it a producer's
   * batch cannot start a transaction (INVALID_TXN_STATE).
   */
  verifyTransaction?: TransactionVerifier;
}

export type { FetchData } from './fetch-data.js';

/**
 * An append written that must wait for a sync before it is answered
 * (flush.messages reached): what it answers, and the offset the sync must
 * cover. Appends that need no sync return their AppendInfo alone.
 */
class SyncDue {
  constructor(
    readonly info: AppendInfo,
    readonly upTo: number,
  ) {}
}

type Written = AppendInfo | SyncDue;

/** flush.ms at or above this (about 24.8 days, setTimeout's limit) never flushes by time: the default is Long.MAX_VALUE. */
const NEVER_MS = 2 ** 31 - 1;

export type { OpenLogOptions } from './log-loader.js';

/**
 * One partition's log: segments in order, the last one active. Appends
 * validate batches through their headers, write offsets in place and store
 * the bytes; reads return stored bytes. It runs on any StorageBackend.
 */
export class Log {
  private hw = 0;
  private unflushedMessages = 0;
  private readonly pendingDeletes: NodeJS.Timeout[] = [];
  /** The flush running now; every sync waiter shares it (group commit). */
  private flushing: Promise<void> | undefined;
  /** Offsets below this are synced (the `.log`s, fdatasync or a synced LevelDB write); sync waiters wait on it. */
  private synced: number;
  /** Counts truncations: a flush that saw one start while it ran does not move `synced` (it may have synced other bytes at those offsets). */
  private truncations = 0;
  /** The highest offset an append waits to see synced: a truncation lets those syncs complete first. */
  private syncWanted = 0;
  /** The producer snapshot a roll wrote, synced by the next flush. */
  private unsyncedSnapshot: number | undefined;
  /** close()'s flush of everything, whole: after it no other flush starts. */
  private closingFlush: Promise<void> | undefined;
  /** flush.ms's timer, armed while unsynced data waits for it. */
  private flushTimer: NodeJS.Timeout | undefined;
  private appendTail: Promise<unknown> = Promise.resolve();
  /** Appends started on the asynchronous path (and truncations) not yet settled: while any is, the next append queues behind. */
  private appendsInFlight = 0;
  /** How many flushes ran (group commit makes this far fewer than durable appends; a flush syncs each `.log` with new data once). */
  flushCount = 0;
  private lastFlushMs: number;
  private closed = false;

  // Log compaction (storage/log/cleaner/) rewrites inactive segments while the
  // log is in use; the active segment, and so appends, are never touched.
  // - Maintenance (a cleaning, retention, truncation, DeleteRecords, close)
  //   runs one operation at a time through `maintenanceTail`; truncation,
  //   DeleteRecords and close first abort a cleaning in progress (`cleaning`),
  //   retention waits for it.
  // - Reads (and flushes) count themselves in `readsInFlight`; swapping cleaned
  //   segments in waits for those running and holds new ones on `swapping`
  //   for its few renames, so no read meets a closed or renamed segment.
  private maintenanceTail: Promise<unknown> = Promise.resolve();
  private cleaning: AbortController | undefined;
  private readsInFlight = 0;
  private readsDrained: (() => void) | undefined;
  private swapping: Promise<void> | undefined;

  readonly dir: LogDirectory;
  config: LogConfig;
  private readonly segments: LogSegment[];
  logStartOffset: number;
  /** Leader epochs and the offsets they started at (leader-epoch-checkpoint). */
  readonly leaderEpochs: LeaderEpochCache;
  /** Idempotent producers' epochs and recent sequence numbers, persisted in `.snapshot` files. */
  readonly producerState: ProducerStateManager;
  private readonly snapshots: ProducerSnapshots;
  private readonly now: () => number;
  /** producer.id.expiration.ms: a broker changes it while the log is open (it is dynamic). */
  producerIdExpirationMs: number;

  private constructor(
    dir: LogDirectory,
    config: LogConfig,
    loaded: LoadedLog,
    private readonly settings: LogLoadSettings,
  ) {
    this.dir = dir;
    this.config = config;
    this.segments = loaded.segments;
    this.logStartOffset = loaded.logStartOffset;
    this.synced = loaded.recoveryPoint;
    // Segments wholly below the recovery point were synced whole before it was checkpointed, or were checked by the loader.
    for (const segment of this.segments)
      if (segment !== this.active && (segment.nextOffset <= this.synced || settings.cleanShutdown)) segment.fullySynced = true;
    this.leaderEpochs = loaded.leaderEpochs;
    this.producerState = loaded.producerState;
    this.snapshots = loaded.snapshots;
    this.now = settings.now;
    this.producerIdExpirationMs = settings.producerIdExpirationMs;
    this.lastFlushMs = this.now();
    // Set without the producer state hearing of it: a replica's broker lowers it to its checkpoint right after opening.
    this.hw = this.logEndOffset;
  }

  /** Moved by the broker as replicas acknowledge; readers of committed data stop here. */
  get highWatermark(): number {
    return this.hw;
  }

  set highWatermark(offset: number) {
    if (offset > this.hw) this.producerState.onHighWatermarkUpdated(offset);
    this.hw = offset;
  }

  /**
   * Where read_committed readers stop (Kafka's lastStableOffset): the first
   * offset of the earliest transaction still open, or completed with its
   * marker at or past the high watermark; the high watermark when there is
   * none. Never below the log start offset, never above the high watermark.
   */
  get lastStableOffset(): number {
    const unstable = this.producerState.firstUnstableOffset(this.hw);
    return unstable < this.hw ? Math.max(unstable, this.logStartOffset) : this.hw;
  }

  /**
   * Where recovery after a crash starts (Kafka's recovery point, written to
   * recovery-point-offset-checkpoint): the offsets below it are synced, and
   * so are the indexes of every inactive segment below it. Flushes sync the
   * active segment's `.log` alone (one fdatasync); its indexes need no sync,
   * since the loader recovers the segment holding the recovery point and
   * all after it, rebuilding their indexes. A rolled segment whose indexes
   * are not yet synced holds the point at its base offset until a flush
   * syncs it whole (the one each roll starts, or a checkpoint's).
   */
  get recoveryPoint(): number {
    const point = this.synced;
    const last = this.segments.length - 1;
    for (let i = 0; i < last; i++) {
      const segment = this.segments[i]!;
      if (!segment.fullySynced) return Math.min(point, segment.baseOffset);
    }
    return point;
  }

  /** Opens a log directory: LogLoader recovers it as its files left it, then the Log runs it. */
  static async open(dir: LogDirectory, config: LogConfig, options: OpenLogOptions = {}): Promise<Log> {
    const settings = logLoadSettings(options);
    return new Log(dir, config, await new LogLoader(dir, config, settings).load(), settings);
  }

  private get active(): LogSegment {
    return this.segments[this.segments.length - 1]!;
  }

  /** The segments, oldest first, the active one last: a live view for the cleaner, not to be changed. */
  get allSegments(): readonly LogSegment[] {
    return this.segments;
  }

  /** The offset the next appended record gets. */
  get logEndOffset(): number {
    return this.active.nextOffset;
  }

  get segmentCount(): number {
    return this.segments.length;
  }

  get sizeInBytes(): number {
    return this.segments.reduce((sum, s) => sum + s.size, 0);
  }

  /**
   * Appends the batches of one produce request. They are validated whole
   * first (CRC and lengths; with an origin, the records walked, not
   * decoded): a bad one rejects all and nothing is written.
   * Offsets, the leader epoch and LogAppendTime are written into the
   * caller's buffer in place.
   */
  append(records: Buffer, options: AppendOptions = {}): Promise<AppendInfo> {
    // Appends run one at a time: offsets are assigned from the log end, which
    // only the previous append's write moves. With none in flight the append
    // runs at once, and on the file and mmap backends it usually completes
    // before returning (no roll, no new leader epoch, no transaction marker).
    // An append that must be synced (flush.messages) waits for its sync after
    // its write, outside that order: the appends after it are written while
    // the sync runs and covered by the next one (group commit).
    if (this.appendsInFlight > 0) return this.answer(this.inFlight(this.appendTail.then(() => this.appendNow(records, options))));
    let done: Written | Promise<Written>;
    try {
      done = this.appendNow(records, options);
    } catch (error) {
      return Promise.reject(error);
    }
    if (done instanceof Promise) return this.answer(this.inFlight(done));
    return done instanceof SyncDue ? this.answerSynced(done) : Promise.resolve(done);
  }

  /** An append's answer once it is written and, when it must be, synced (awaited outside the append order: group commit). */
  private answer(written: Promise<Written>): Promise<AppendInfo> {
    return written.then((w) => (w instanceof SyncDue ? this.answerSynced(w) : w));
  }

  private answerSynced(due: SyncDue): Promise<AppendInfo> {
    return this.syncTo(due.upTo).then(() => due.info);
  }

  private inFlight<T>(run: Promise<T>): Promise<T> {
    this.appendsInFlight++;
    const settled = () => {
      this.appendsInFlight--;
    };
    this.appendTail = run.then(settled, settled);
    return run;
  }

  /** Validates, assigns offsets and writes: synchronously when the active segment can, else asynchronously. */
  private appendNow(records: Buffer, options: AppendOptions): Written | Promise<Written> {
    const batches = validateBatches(records);
    for (const batch of batches) {
      if (batch.sizeInBytes > this.config.maxMessageBytes) throw new RecordTooLargeError(batch.sizeInBytes, this.config.maxMessageBytes);
    }
    validateForAppend(batches, options.origin, this.config);
    const now = this.now();
    if (!this.config.logAppendTime) this.checkTimestamps(batches, now);
    // An idempotent producer's retry of a batch already written is answered with its first offsets, not written again.
    const duplicate = this.producerState.check(batches, options.origin, options.verifyTransaction);
    if (duplicate) return { ...duplicate, logAppendTimeMs: -1 };
    const baseOffset = this.logEndOffset;
    let next = baseOffset;
    let incomingMaxTimestamp = -1;
    let markers = false;
    for (const batch of batches) {
      batch.setBaseOffset(next);
      next = batch.nextOffset;
      if (options.leaderEpoch !== undefined) batch.setPartitionLeaderEpoch(options.leaderEpoch);
      if (this.config.logAppendTime) batch.setMaxTimestamp(TimestampType.LogAppendTime, now);
      incomingMaxTimestamp = Math.max(incomingMaxTimestamp, batch.maxTimestamp);
      if (batch.isControl) markers = true;
    }
    const info: AppendInfo = { baseOffset, lastOffset: next - 1, logAppendTimeMs: this.config.logAppendTime ? now : -1 };
    const roll = this.rollDue(records.length, next - 1, incomingMaxTimestamp, now);
    const newEpoch = options.leaderEpoch !== undefined && options.leaderEpoch > this.leaderEpochs.latestEpoch;
    // Markers may end transactions, whose `.txnindex` entries are written asynchronously.
    if (roll || newEpoch || markers || !this.active.canAppendSync) return this.appendAsync(records, batches, info, roll, options.leaderEpoch);
    this.active.appendSync(records, batches);
    this.appended(batches);
    return this.syncDue(info);
  }

  /** The append's answer as written: a SyncDue when flush.messages is reached and the append waits for a sync covering it. */
  private syncDue(info: AppendInfo): Written {
    if (this.unflushedMessages < this.config.flushMessages) return info;
    const upTo = info.lastOffset + 1;
    this.syncWanted = Math.max(this.syncWanted, upTo);
    // The sync starts now rather than when the caller gets to wait for it, unless appends are queued behind this one (see syncTo).
    if (this.appendsInFlight <= 1) this.startFlush();
    return new SyncDue(info, upTo);
  }

  private async appendAsync(
    records: Buffer,
    batches: readonly RecordBatchView[],
    info: AppendInfo,
    roll: boolean,
    leaderEpoch: number | undefined,
  ): Promise<Written> {
    if (roll) await this.roll();
    if (leaderEpoch !== undefined) await this.leaderEpochs.assign(leaderEpoch, info.baseOffset);
    await this.active.append(records, batches);
    await this.completeTransactions(this.appended(batches));
    return this.syncDue(info);
  }

  /**
   * Appends a leader's batches as a follower: offsets, leader epochs and
   * timestamps stay as the leader wrote them (nothing is rewritten), and each
   * new leader epoch met is recorded in the leader-epoch cache. Batches must
   * start at or after the log end (a compacted leader's log may skip offsets)
   * and follow one another.
   */
  appendAsFollower(records: Buffer): Promise<AppendInfo> {
    const run = this.appendsInFlight > 0 ? this.appendTail.then(() => this.appendAsFollowerNow(records)) : this.appendAsFollowerNow(records);
    return this.answer(this.inFlight(run));
  }

  private async appendAsFollowerNow(records: Buffer): Promise<Written> {
    const batches = validateBatches(records);
    const end = this.logEndOffset;
    if (batches.length === 0) return { baseOffset: end, lastOffset: end - 1, logAppendTimeMs: -1 };
    let next = end;
    let maxTimestamp = -1;
    for (const batch of batches) {
      if (batch.baseOffset < next) throw new UnexpectedAppendOffsetError(batch.baseOffset, next);
      next = batch.nextOffset;
      maxTimestamp = Math.max(maxTimestamp, batch.maxTimestamp);
    }
    const now = this.now();
    if (this.rollDue(records.length, next - 1, maxTimestamp, now)) await this.roll();
    for (const batch of batches) {
      if (batch.partitionLeaderEpoch > this.leaderEpochs.latestEpoch) await this.leaderEpochs.assign(batch.partitionLeaderEpoch, batch.baseOffset);
    }
    await this.active.append(records, batches);
    await this.completeTransactions(this.appended(batches));
    return this.syncDue({ baseOffset: batches[0]!.baseOffset, lastOffset: next - 1, logAppendTimeMs: -1 });
  }

  /** The producer state learns of batches just written; returns the transactions their markers ended. */
  private appended(batches: readonly RecordBatchView[]): CompletedTxn[] | undefined {
    let completed: CompletedTxn[] | undefined;
    for (const batch of batches) {
      this.unflushedMessages += batch.recordCount;
      const txn = this.producerState.update(batch);
      if (txn) (completed ??= []).push(txn);
    }
    if (this.flushTimer === undefined && this.config.flushMs < NEVER_MS) this.armFlushTimer();
    return completed;
  }

  /**
   * Transactions ended by markers just written, as Kafka's append finishes
   * them: an aborted one goes into the active segment's `.txnindex` with the
   * last stable offset after it, then each leaves the open transactions (it
   * holds the last stable offset until the high watermark passes its marker).
   */
  private async completeTransactions(completed: readonly CompletedTxn[] | undefined): Promise<void> {
    if (!completed) return;
    for (const txn of completed) {
      if (txn.isAborted) await this.active.txnIndex.append(abortedTxnOf(txn, this.producerState));
      this.producerState.completeTxn(txn);
    }
  }

  /** CreateTime bounds, checked on each batch's first and largest timestamp (no record decoding). */
  private checkTimestamps(batches: readonly RecordBatchView[], now: number): void {
    const before = this.config.timestampBeforeMaxMs;
    const after = this.config.timestampAfterMaxMs;
    const outside = (t: number) => t >= 0 && (now - t > before || t - now > after); // -1: no timestamp sent
    for (const batch of batches) {
      if (outside(batch.baseTimestamp)) throw new InvalidTimestampError(batch.baseTimestamp, now);
      if (outside(batch.maxTimestamp)) throw new InvalidTimestampError(batch.maxTimestamp, now);
    }
  }

  /** Whether the incoming batches need a new segment: size, age, a full index or relative offsets that would overflow. */
  private rollDue(incomingBytes: number, lastOffset: number, incomingMaxTimestamp: number, now: number): boolean {
    const active = this.active;
    if (active.size === 0) return false;
    const jitter = this.config.segmentJitterMs;
    const full = active.size + incomingBytes > this.config.segmentBytes;
    // As Kafka: the time between the first batch's timestamp and the incoming one's; wall-clock age when records carry none.
    const waited =
      active.rollingBasedTimestamp >= 0 && incomingMaxTimestamp >= 0 ? incomingMaxTimestamp - active.rollingBasedTimestamp : now - active.createdMs;
    const old = waited > this.config.segmentMs - jitter;
    const indexFull = active.offsetIndex.isFull || active.timeIndex.isFull;
    const overflow = lastOffset - active.baseOffset > MAX_RELATIVE_OFFSET;
    return full || old || indexFull || overflow;
  }

  /**
   * Starts a new active segment at the log end offset. The segment rolled
   * away, and the producer snapshot, are synced whole by a flush started
   * now that appends do not wait for (as Kafka's roll schedules one).
   */
  async roll(): Promise<void> {
    const base = this.logEndOffset;
    if (this.active.baseOffset === base) return;
    this.segments.push(await LogSegment.open(this.dir, base, this.config, true, '', this.settings.warn));
    // The producers as of the new segment's start: a restart replays only the batches after it.
    await this.snapshots.write(base, this.producerState.snapshotEntries(), false);
    this.unsyncedSnapshot = base;
    void this.syncTo(0, true).catch((error: unknown) =>
      this.settings.warn(`${this.dir.path}: syncing segments after a roll failed: ${(error as Error).message}`),
    );
  }

  /**
   * Whole batches from the one holding `offset`, at most `maxBytes` unless the
   * first batch alone is larger, and not past `upToOffset` (the high watermark
   * for consumers) when given. The caller owns them: `release()` gives a
   * pooled buffer back once nothing reads the bytes (see FetchData).
   */
  async read(offset: number, maxBytes: number, upToOffset = this.logEndOffset): Promise<FetchData> {
    if (offset < this.logStartOffset || offset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(offset, this.logStartOffset, this.logEndOffset);
    }
    if (offset >= upToOffset) return emptyRead(offset);
    return this.reading(() => readSegments(this.segments, offset, maxBytes, upToOffset, false));
  }

  /**
   * A read_committed read (Kafka's read at TXN_COMMITTED): whole batches up
   * to the last stable offset, with the aborted transactions overlapping them
   * from the `.txnindex` files (see readSegments).
   */
  async readCommitted(offset: number, maxBytes: number): Promise<FetchData> {
    if (offset < this.logStartOffset || offset > this.logEndOffset) {
      throw new OffsetOutOfRangeError(offset, this.logStartOffset, this.logEndOffset);
    }
    const upToOffset = this.lastStableOffset;
    if (offset >= upToOffset) return emptyRead(offset, []);
    return this.reading(() => readSegments(this.segments, offset, maxBytes, upToOffset, true));
  }

  /** The aborted transactions overlapping [startOffset, upperBoundOffset) (Kafka's collectAbortedTransactions: see segment-reads.ts). */
  collectAbortedTransactions(startOffset: number, upperBoundOffset: number): AbortedTxn[] {
    return collectAbortedTransactions(this.segments, segmentIndexFor(this.segments, startOffset), startOffset, upperBoundOffset);
  }

  /** The earliest offset whose record timestamp is ≥ `timestamp`, with that timestamp; undefined if none. */
  offsetForTimestamp(timestamp: number): Promise<{ offset: number; timestamp: number } | undefined> {
    return this.reading(() => findOffsetForTimestamp(this.segments, timestamp, this.logStartOffset));
  }

  /** The offset holding the largest timestamp (ListOffsets' MAX_TIMESTAMP). */
  maxTimestampOffset(): { offset: number; timestamp: number } | undefined {
    return maxTimestampOffset(this.segments);
  }

  /**
   * Removes everything at or after `offset` (a follower diverging from its
   * leader), once the appends issued before it are written; appends issued
   * after it wait for it. Resolves with the log end offset it cut back from,
   * or undefined when the log did not reach past `offset`.
   */
  truncateTo(offset: number): Promise<number | undefined> {
    return this.betweenAppends(async () => {
      const end = this.logEndOffset;
      if (offset === end) return undefined;
      await this.maintain(() => this.truncateNow(offset), true);
      return end;
    });
  }

  /**
   * Runs `operation` after the appends already issued have settled, and makes
   * the appends issued meanwhile wait for it: a truncation must apply exactly
   * between them. Otherwise an append still being written (a leader's produce
   * as it is demoted, the last fetch of a follower's previous fetcher) lands
   * after the truncation meant to remove it, or the truncation reads a log
   * end the append is about to move.
   */
  private betweenAppends<T>(operation: () => Promise<T>): Promise<T> {
    return this.inFlight(this.appendTail.then(operation));
  }

  /** Resolves once every append and truncation issued so far has settled (a new leader reads its log end after them). */
  settled(): Promise<void> {
    return this.appendTail.then(() => undefined);
  }

  private async truncateNow(offset: number): Promise<void> {
    if (offset < this.logStartOffset || offset > this.logEndOffset) throw new OffsetOutOfRangeError(offset, this.logStartOffset, this.logEndOffset);
    await this.beforeTruncation();
    while (this.segments.length > 1 && this.active.baseOffset >= offset) await this.deleteSegment(this.segments.pop()!);
    await this.active.truncateTo(offset);
    await rebuildProducerState(this.producerState, this.snapshots, this.segments, false, this.settings);
    await this.leaderEpochs.truncateFromEnd(this.logEndOffset);
    this.highWatermark = Math.min(this.highWatermark, this.logEndOffset);
    this.synced = Math.min(this.synced, this.logEndOffset);
  }

  /** Empties the log and restarts it at `offset`, between the appends issued before and after it (see truncateTo). */
  truncateFullyAndStartAt(offset: number): Promise<void> {
    return this.betweenAppends(() => this.maintain(() => this.truncateFullyNow(offset), true));
  }

  private async truncateFullyNow(offset: number): Promise<void> {
    await this.beforeTruncation();
    for (const segment of this.segments.splice(0)) await this.deleteSegment(segment);
    this.segments.push(await LogSegment.open(this.dir, offset, this.config, true, '', this.settings.warn));
    this.logStartOffset = offset;
    this.highWatermark = offset;
    this.synced = offset;
    this.producerState.clear();
    await this.snapshots.deleteWhere(() => true);
    await this.leaderEpochs.clear();
  }

  /** Moves the log start offset forward (DeleteRecords); whole segments below it are removed. */
  deleteRecordsBefore(offset: number): Promise<number> {
    return this.maintain(() => this.deleteRecordsNow(offset), true);
  }

  private async deleteRecordsNow(offset: number): Promise<number> {
    if (offset > this.highWatermark) throw new OffsetOutOfRangeError(offset, this.logStartOffset, this.highWatermark);
    if (offset <= this.logStartOffset) return this.logStartOffset;
    this.logStartOffset = offset;
    while (this.segments.length > 1 && this.segments[1]!.baseOffset <= offset) await this.deleteSegment(this.segments.shift()!);
    await this.leaderEpochs.truncateFromStart(offset);
    await this.forgetProducersBeforeStart();
    return this.logStartOffset;
  }

  /**
   * Retention under cleanup.policy=delete: removes the oldest segments whose
   * largest timestamp is older than retention.ms, then while the log exceeds
   * retention.bytes by a whole segment. The active segment always stays.
   * Files are renamed to `.deleted` now and removed after file.delete.delay.ms.
   * Returns how many segments went. A cleaning in progress finishes first.
   */
  deleteRetainedSegments(): Promise<number> {
    return this.maintain(() => this.deleteRetainedNow(), false);
  }

  private async deleteRetainedNow(): Promise<number> {
    if (!this.config.delete || this.closed) return 0;
    const now = this.now();
    const { retentionMs, retentionBytes } = this.config;
    let size = this.sizeInBytes;
    let deleted = 0;
    while (this.segments.length > 1) {
      const oldest = this.segments[0]!;
      // Only data below the high watermark may go: consumers may not have it yet otherwise.
      if (this.segments[1]!.baseOffset > this.highWatermark) break;
      const expired = retentionMs >= 0 && oldest.maxTimestamp >= 0 && now - oldest.maxTimestamp > retentionMs;
      const tooBig = retentionBytes >= 0 && size - oldest.size >= retentionBytes;
      if (!expired && !tooBig) break;
      this.segments.shift();
      size -= oldest.size;
      this.logStartOffset = Math.max(this.logStartOffset, this.segments[0]!.baseOffset);
      await this.retireSegment(oldest);
      deleted++;
    }
    if (deleted > 0) await this.forgetProducersBeforeStart();
    return deleted;
  }

  /** Producers whose last batch is gone, and the snapshots of deleted segments, go once the log start moves. */
  private async forgetProducersBeforeStart(): Promise<void> {
    this.producerState.removeBefore(this.logStartOffset);
    const firstBase = this.segments[0]!.baseOffset;
    await this.snapshots.deleteWhere((offset) => offset < firstBase);
  }

  /** Forgets idempotent producers idle past producer.id.expiration.ms (the LogManager calls this periodically). */
  removeExpiredProducers(): void {
    this.producerState.removeExpired(this.now(), this.producerIdExpirationMs);
  }

  /** Renames a segment's files to `.deleted` and removes them after file.delete.delay.ms. */
  private async retireSegment(segment: LogSegment): Promise<void> {
    await segment.close();
    // Exactly the segment's files: a cleaned segment replacing it may have `.swap` files of the same base name.
    const present = new Set(await this.dir.list());
    const names = segmentFileNames(segment.baseOffset).filter((n) => present.has(n));
    for (const name of names) await this.dir.rename(name, name + DELETED_SUFFIX);
    const remove = async () => {
      for (const name of names) await this.dir.delete(name + DELETED_SUFFIX).catch(() => undefined);
    };
    if (this.config.fileDeleteDelayMs === 0) await remove();
    else this.pendingDeletes.push(setTimeout(() => void remove(), this.config.fileDeleteDelayMs));
  }

  private async deleteSegment(segment: LogSegment): Promise<void> {
    await segment.close();
    const present = new Set(await this.dir.list());
    for (const name of segmentFileNames(segment.baseOffset)) if (present.has(name)) await this.dir.delete(name);
  }

  /** Makes everything appended so far durable, sharing the flush in flight (fdatasync, or a synced LevelDB write). */
  flush(): Promise<void> {
    return this.syncTo();
  }

  /**
   * One flush: the `.log` of the active segment synced if it has new data,
   * and every inactive segment not yet synced whole synced whole (with
   * `whole`, the active one too). The offsets written before it starts are
   * then durable; those written while it runs wait for the next.
   */
  private async flushNow(whole: boolean): Promise<void> {
    const end = this.logEndOffset;
    const truncations = this.truncations;
    const segments = this.segments.slice();
    const active = segments[segments.length - 1]!;
    this.unflushedMessages = 0;
    this.lastFlushMs = this.now();
    for (const segment of segments) {
      const wholly = whole || segment !== active;
      if (wholly ? segment.fullySynced : segment.nextOffset <= this.synced) continue;
      try {
        if (wholly) await segment.flush();
        else await segment.flushData();
      } catch (error) {
        // A segment a truncation or retention removed meanwhile needs no sync.
        if (this.segments.includes(segment)) throw error;
      }
    }
    if (this.truncations === truncations) this.synced = Math.max(this.synced, end);
    const snapshot = this.unsyncedSnapshot;
    this.unsyncedSnapshot = undefined;
    if (snapshot !== undefined) await this.snapshots.sync(snapshot);
    this.flushCount++;
  }

  /** Starts a flush unless one is running (whose waiters then start the next). */
  private startFlush(): Promise<void> {
    this.flushing ??= this.reading(() => this.flushNow(false)).finally(() => (this.flushing = undefined));
    return this.flushing;
  }

  /**
   * Resolves once every offset below `offset` is synced (and, with
   * `wholeSegments`, every inactive segment is synced whole). Callers waiting
   * at the same time share flushes (group commit): one who arrives while a
   * flush runs waits for it and then for at most one more, which covers
   * everything written while the first ran.
   */
  syncTo(offset = this.logEndOffset, wholeSegments = false): Promise<void> {
    return this.syncWhenWritten(offset, wholeSegments, true);
  }

  /**
   * syncTo; `afterQueued` first lets the appends queued now be written, so
   * the sync covers them too: on LevelDB a write issued after a sync waits
   * for it, and appends written one at a time behind one sync each would
   * take a sync apiece. (Only the appends queued when it looks: later ones
   * cannot hold it back.)
   */
  private async syncWhenWritten(offset: number, wholeSegments: boolean, afterQueued: boolean): Promise<void> {
    // Capped at the log end: a truncation may have removed the offsets asked for.
    while (this.synced < Math.min(offset, this.logEndOffset) || (wholeSegments && this.inactiveSegmentUnsynced())) {
      if (this.closingFlush) return this.closingFlush;
      if (afterQueued && !this.flushing && this.appendsInFlight > 0) {
        afterQueued = false;
        await this.appendTail;
      } else await this.startFlush();
    }
  }

  private inactiveSegmentUnsynced(): boolean {
    const last = this.segments.length - 1;
    for (let i = 0; i < last; i++) if (!this.segments[i]!.fullySynced) return true;
    return false;
  }

  /** Syncs whole the segments rolled and not yet synced so (a checkpoint's), so the recovery point may pass them. */
  syncRolledSegments(): Promise<void> {
    return this.syncTo(0, true);
  }

  /** Flushes if flush.ms has passed since the last one (the LogManager's flusher, log.flush.scheduler.interval.ms, calls this). */
  async flushIfDue(): Promise<void> {
    if (this.synced < this.logEndOffset && this.now() - this.lastFlushMs >= this.config.flushMs) await this.syncTo();
  }

  /**
   * flush.ms: data appended waits at most that long for a sync, with or
   * without appends after it. Re-armed when it fires early (timers run on
   * the event loop's cached clock) or when data is still unsynced.
   */
  private armFlushTimer(): void {
    const delay = Math.max(0, this.lastFlushMs + this.config.flushMs - this.now());
    this.flushTimer = setTimeout(() => this.onFlushTimer(), Math.min(delay, NEVER_MS));
    this.flushTimer.unref();
  }

  private onFlushTimer(): void {
    this.flushTimer = undefined;
    if (this.closed || this.config.flushMs >= NEVER_MS || this.synced >= this.logEndOffset) return;
    if (this.now() - this.lastFlushMs < this.config.flushMs) return this.armFlushTimer();
    this.syncTo().then(
      () => {
        if (this.flushTimer === undefined && this.synced < this.logEndOffset) this.armFlushTimer();
      },
      (error: unknown) => {
        this.settings.warn(`${this.dir.path}: flush.ms's flush failed: ${(error as Error).message}`);
        if (this.flushTimer === undefined && !this.closed) this.armFlushTimer();
      },
    );
  }

  /**
   * Before a truncation cuts: the syncs waited for are done first (their
   * appends were issued before it), and a flush that overlaps it will not
   * count offsets it may not have synced.
   */
  private async beforeTruncation(): Promise<void> {
    // Not after the queued appends: this runs in their order, they wait for it.
    await this.syncWhenWritten(this.syncWanted, false, false);
    this.truncations++;
  }

  close(): Promise<void> {
    return this.maintain(() => this.closeNow(), true);
  }

  private async closeNow(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Files waiting for file.delete.delay.ms go now; on a crash, open() removes them.
    for (const timer of this.pendingDeletes.splice(0)) {
      clearTimeout(timer);
    }
    if (this.flushTimer) clearTimeout(this.flushTimer);
    for (const name of await this.dir.list()) if (name.endsWith(DELETED_SUFFIX)) await this.dir.delete(name);
    while (this.flushing) await this.flushing.catch(() => undefined);
    // Everything synced whole: a clean shutdown's segments are trusted at the next open. Sync waiters from now on wait for this flush.
    this.closingFlush = this.reading(() => this.flushNow(true));
    this.flushing = this.closingFlush;
    await this.closingFlush;
    // The producers as of the log end, durably: the next open replays nothing.
    await this.snapshots.write(this.logEndOffset, this.producerState.snapshotEntries(), true);
    for (const segment of this.segments) await segment.close();
  }

  // ---- Log compaction support (storage/log/cleaner/) ----

  /** Runs `operation` after the maintenance before it; `abortCleaning` first stops a cleaning in progress. */
  private maintain<T>(operation: () => Promise<T>, abortCleaning: boolean): Promise<T> {
    if (abortCleaning) this.cleaning?.abort(new LogCleaningAbortedError(this.dir.path));
    const run = this.maintenanceTail.then(operation);
    this.maintenanceTail = run.catch(() => undefined);
    return run;
  }

  /** Runs a read of segments, unless a swap of cleaned segments is under way: then after it. */
  private async reading<T>(read: () => Promise<T>): Promise<T> {
    while (this.swapping) await this.swapping;
    this.readsInFlight++;
    try {
      return await read();
    } finally {
      if (--this.readsInFlight === 0) this.readsDrained?.();
    }
  }

  /**
   * Runs one cleaning (the LogCleaner's): no other maintenance runs
   * meanwhile. `clean` must check `signal` between steps: truncation,
   * DeleteRecords and close abort it (with LogCleaningAbortedError) and wait
   * for it to stop.
   */
  runCleaning<T>(clean: (signal: AbortSignal) => Promise<T>): Promise<T> {
    return this.maintain(async () => {
      if (this.closed) throw new LogCleaningAbortedError(this.dir.path);
      const controller = new AbortController();
      this.cleaning = controller;
      try {
        return await clean(controller.signal);
      } finally {
        this.cleaning = undefined;
      }
    }, false);
  }

  /**
   * Swaps a cleaned segment in for `replaced` (consecutive, inactive segments),
   * from inside runCleaning. The cleaned segment's files, written and flushed
   * as `<base>.log.cleaned` and indexes (base = the first replaced segment's),
   * are renamed `.swap`; the replaced segments' files are renamed `.deleted`
   * (removed after file.delete.delay.ms); the `.swap` files take their final
   * names. A crash at any point is finished or undone by the next open (see
   * LogLoader, log-loader.ts). Reads wait while the files are renamed.
   */
  async replaceSegments(replaced: readonly LogSegment[], cleanedBaseOffset: number): Promise<void> {
    if (!this.cleaning) throw new Error('replaceSegments runs inside runCleaning');
    const first = this.segments.indexOf(replaced[0]!);
    if (first < 0 || first + replaced.length >= this.segments.length || replaced.some((s, i) => this.segments[first + i] !== s)) {
      throw new Error(`${this.dir.path}: the segments to replace are not consecutive inactive segments of the log`);
    }
    if (cleanedBaseOffset !== replaced[0]!.baseOffset)
      throw new Error(`cleaned segment ${cleanedBaseOffset} does not start where segment ${replaced[0]!.baseOffset} does`);
    // The cleaned `.log` and indexes; its `.txnindex` only if it kept aborted transactions.
    const present = new Set(await this.dir.list());
    const [logName, ...indexNames] = segmentFileNames(cleanedBaseOffset).filter((name) => present.has(name + CLEANED_SUFFIX));
    for (const name of [logName!, ...indexNames]) await this.dir.rename(name + CLEANED_SUFFIX, name + SWAP_SUFFIX);
    let release!: () => void;
    this.swapping = new Promise<void>((resolve) => (release = resolve));
    try {
      while (this.readsInFlight > 0) await new Promise<void>((resolve) => (this.readsDrained = resolve));
      this.readsDrained = undefined;
      for (const segment of replaced) await this.retireSegment(segment);
      // The .log last: while `.log.swap` exists, recovery knows the swap is unfinished.
      for (const name of [...indexNames, logName!]) await this.dir.rename(name + SWAP_SUFFIX, name);
      const cleaned = await LogSegment.open(this.dir, cleanedBaseOffset, this.config, false, '', this.settings.warn);
      await cleaned.loadTailState();
      cleaned.fullySynced = true; // the cleaner flushed it before the swap
      this.segments.splice(this.segments.indexOf(replaced[0]!), replaced.length, cleaned);
    } finally {
      this.swapping = undefined;
      release();
    }
  }
}
