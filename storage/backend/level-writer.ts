import { statfsSync } from 'node:fs';
import type { LevelJournal } from './level-journal.js';
import { type Operation, writeBatch } from './level-keys.js';
import type { LevelStore } from './level-store.js';
import { StorageError } from './storage-error.js';

/** Holds bytes accepted and not yet handed to a batch: an object's chunk being filled. */
export interface WriteSource {
  /**
   * Adds the operations for what was accepted since the last call, as part of
   * batch `batch`: completed chunks, and with `force` the chunk being filled
   * too. Returns whether it still holds bytes back.
   */
  seal(ops: Operation[], batch: number, force: boolean): boolean;
  /** Every batch up to `batch` is in LevelDB (not yet synced unless a flush asked). */
  written(batch: number): void;
}

/** A failed batch's error as the failure of one object's append or flush, naming the object. */
function failedFor(error: unknown, path: string, action: string): StorageError {
  const failure = error as StorageError;
  return new StorageError(failure.code ?? 'EIO', path, `${action} failed: ${failure.message}`, { cause: error });
}

interface Waiter {
  batch: number;
  resolve: () => void;
  reject: (error: unknown) => void;
}

/**
 * A batch is started at once, not at the end of the turn, once this much
 * waits (the batch size the benchmarks' raw LevelDB writes, so large
 * appends meet LevelDB as it is measured); while one is in flight, appends wait (in call
 * order) once the next holds this much: at most about two megabytes wait in
 * memory for LevelDB.
 */
const START_BATCH_BYTES = 1 << 20;
/** Appends wait while this much is accepted and not yet in LevelDB, whatever else holds the writes up. */
const MAX_UNWRITTEN_BYTES = 4 << 20;

/**
 * With free space well above what the writer needs, it is looked at again
 * only after this long or this many bytes batched, not before every batch: a
 * statfs cost 20 µs of the event loop, and durable appends at 10,000
 * records/s make two thousand batches a second. Near the limit (below
 * SPACE_WATCH_FACTOR times it) it is looked at before every batch.
 */
const SPACE_CHECK_MS = 50;
const SPACE_CHECK_BYTES = 1 << 20;
const SPACE_WATCH_FACTOR = 4;

/**
 * The writes of one database, in call order, as few LevelDB batches as can be.
 *
 * Appends return once their bytes are in memory and the journal
 * (level-journal.ts: as the file backend's return once in the page cache,
 * they survive a process crash); the chunks completed in a turn of the event
 * loop go to LevelDB as one batch at the end of it, or sooner once a megabyte
 * waits. A chunk being filled is held back, so that every batch's keys lie
 * above everything written before (level-keys.ts), until a batch must take
 * it: for a close, a settle or an exclusive operation, a synced write, or a
 * change of the journal's files.
 * One batch is in flight at a time: what arrives meanwhile is the next one,
 * started as the first completes (so copying the next appends overlaps
 * LevelDB writing the last). A flush syncs the journal, which holds every
 * append LevelDB has not synced, or else (see `flush`) asks for the next
 * batch to be synced and waits for it (flushes arriving together share it,
 * and since LevelDB's log is sequential, that one synced write makes every
 * earlier one durable). A batch that fails is kept, its bytes still readable
 * from memory, and written again ahead of anything newer by the next append, flush or
 * close (through LevelStore, which reopens the database first); appends wait
 * for that and fail with its error while it fails.
 *
 * Operations that must read what is stored (truncating below the chunk being
 * filled, deleting, renaming, creating) run `exclusive`ly: once everything
 * accepted before them is written, with no batch in flight.
 */
export class LevelWriter {
  private ops: Operation[] = [];
  /** Sources that accepted bytes since they were last sealed. */
  private sources = new Set<WriteSource>();
  /** Sources holding back the chunk they are filling (journaled: see level-journal.ts). */
  private readonly holding = new Set<WriteSource>();
  /** The next batch must take every held-back chunk: someone waits for everything to be in LevelDB. */
  private forceWanted = false;
  /** Sources sealed into the batch in flight. */
  private sealed: WriteSource[] = [];
  private queuedBytes = 0;
  private unwrittenBytes = 0;
  /** The batch being gathered; the one in flight, if any, is one less. */
  private nextBatch = 1;
  private writtenThrough = 0;
  /** The last batch written with sync. */
  private syncedThrough = 0;
  /** Writes made beside the batches, unsynced (appends written through), and how many of them a synced batch covers. */
  private directWrites = 0;
  private directWritesSynced = 0;
  private writing: Promise<void> | undefined;
  private syncWanted = false;
  private scheduled = false;
  private paused = 0;
  private failure: StorageError | undefined;
  private waiters: Waiter[] = [];
  /** Appends waiting to be admitted, in call order. */
  private admissions = 0;
  private admissionTail: Promise<void> = Promise.resolve();
  private exclusiveTail: Promise<void> = Promise.resolve();

  /** The file system's free bytes when last looked at (see SPACE_CHECK_MS; each write-through append); -1 when statfs failed. */
  private freeBytes = -1;
  private spaceCheckedAt = 0;
  private batchedSinceSpaceCheck = 0;

  constructor(
    private readonly store: LevelStore,
    /** A key the writer may put to force a (synced) write when nothing else waits. */
    private readonly syncKey: Buffer,
    /** Below this much free space, appends are written through: see `writeThrough`. */
    private readonly roomBytes: number,
    /** Where appends are recorded before they are taken in: each batch records the last entry it covers. */
    readonly journal: LevelJournal,
  ) {
    this.checkSpace();
  }

  /** The batch that will carry what is accepted now. */
  get batch(): number {
    return this.nextBatch;
  }

  /**
   * Whether appends must be written before they return, as one write each.
   * Written behind, an append that returned might fail to reach LevelDB when
   * the disk fills, and then be lost; so where free space is short (less than
   * LevelDB may need for its own tables besides what waits in memory), appends
   * return only once written, and one that fails leaves its object as it was,
   * as on the other backends.
   */
  get writeThrough(): boolean {
    return this.freeBytes < this.roomBytes;
  }

  /** Looks at the free space again (a write-through append does after its write). */
  checkSpace(): boolean {
    this.spaceCheckedAt = performance.now();
    this.batchedSinceSpaceCheck = 0;
    try {
      const fs = statfsSync(this.store.location);
      this.freeBytes = fs.bavail * fs.bsize;
    } catch {
      this.freeBytes = -1;
    }
    return this.writeThrough;
  }

  private get spaceCheckDue(): boolean {
    return (
      this.freeBytes < SPACE_WATCH_FACTOR * this.roomBytes ||
      this.batchedSinceSpaceCheck >= SPACE_CHECK_BYTES ||
      performance.now() - this.spaceCheckedAt >= SPACE_CHECK_MS
    );
  }

  /**
   * Undefined when an append may go ahead now; else a promise that resolves
   * when it may (in call order), or rejects with the failure that keeps it out.
   */
  admit(path: string): Promise<void> | undefined {
    if (this.admissions === 0 && !this.full) return undefined;
    return this.inTurn(() => this.room(path));
  }

  /** Runs `run` after the appends waiting before it, and holds those after it until it is done. */
  inTurn<T>(run: () => Promise<T>): Promise<T> {
    this.admissions++;
    const turn = this.admissionTail.then(run);
    this.admissionTail = turn.then(
      () => {
        this.admissions--;
      },
      () => {
        this.admissions--;
      },
    );
    return turn;
  }

  /** Whether an append must wait: a batch failed, or the one in flight holds up a full next one. */
  private get full(): boolean {
    return this.failure !== undefined || (this.writing !== undefined && this.queuedBytes >= START_BATCH_BYTES) || this.unwrittenBytes >= MAX_UNWRITTEN_BYTES;
  }

  private async room(path: string): Promise<void> {
    for (;;) {
      if (!this.full) return;
      // A failed batch is tried again (if it fails again, so does the append); else the one in flight, or the next, is waited for.
      await this.written(this.failure === undefined && this.writing ? this.nextBatch - 1 : this.nextBatch).catch((error: unknown) => {
        throw failedFor(error, path, 'append');
      });
    }
  }

  /** `source` accepted `bytes` (its operations come at the next seal). */
  accepted(source: WriteSource, bytes: number): void {
    this.sources.add(source);
    this.enqueued(bytes);
  }

  /**
   * Adds an operation to the batch being gathered, ahead of the seals of the
   * sources in it; the caller then calls `accepted`, which schedules the batch
   * (this never starts one, so a source may enqueue halfway through its own changes).
   */
  enqueue(op: Operation): void {
    this.ops.push(op);
  }

  private enqueued(bytes: number): void {
    this.queuedBytes += bytes;
    this.unwrittenBytes += bytes;
    if (this.queuedBytes >= START_BATCH_BYTES) this.pump();
    else if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(() => {
        this.scheduled = false;
        // A failed batch waits for someone to ask again.
        if (this.failure === undefined) this.pump();
      });
    }
  }

  /**
   * Resolves once everything accepted before the call is durable: the
   * journal synced (level-journal.ts), and where it no longer holds every
   * entry LevelDB has not synced (entries written over unsynced, or appends
   * written through beside the journal) a synced batch written too.
   */
  async flush(path: string): Promise<void> {
    // The journal is synced even when LevelDB must be too: replay after a power cut starts at the
    // last mark, and a cut it replays must find every durable append after it there to re-apply.
    await this.journal.sync(path);
    // Entries written over while the journal was synced are looked at again.
    if (this.levelNeedsSync) await this.sync(path);
  }

  private get levelNeedsSync(): boolean {
    return this.directWrites > this.directWritesSynced || this.journal.droppedUnsynced > this.syncedThrough;
  }

  /** An append was written to LevelDB beside the batches and the journal, unsynced: the next flush syncs LevelDB. */
  wroteDirectly(): void {
    this.directWrites++;
  }

  /** Resolves once a synced batch holding everything accepted before the call is written. */
  sync(path: string): Promise<void> {
    this.syncWanted = true;
    return this.written(this.nextBatch).catch((error: unknown) => {
      throw failedFor(error, path, 'flush');
    });
  }

  /** Resolves once everything accepted before the call is in LevelDB (not synced), held-back chunks too. */
  settle(path: string): Promise<void> {
    const pending = this.ops.length > 0 || this.sources.size > 0 || this.holding.size > 0;
    if (pending) this.forceWanted = true;
    return this.written(pending ? this.nextBatch : this.nextBatch - 1).catch((error: unknown) => {
      throw failedFor(error, path, 'write');
    });
  }

  /** Waits for batch `batch` (starting it if it is the one being gathered). */
  private written(batch: number): Promise<void> {
    if (batch <= this.writtenThrough) return Promise.resolve();
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ batch, resolve, reject }));
    this.pump();
    return done;
  }

  /**
   * Runs `run` once everything accepted before the call is written, with no
   * batch starting until it is done; calls run one at a time, in call order.
   */
  exclusive<T>(path: string, run: () => Promise<T>): Promise<T> {
    const turn = this.exclusiveTail.then(async () => {
      await this.settle(path);
      this.paused++;
      try {
        while (this.writing) await this.writing;
        return await run();
      } finally {
        this.paused--;
        if (this.failure === undefined) this.pump();
      }
    });
    this.exclusiveTail = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  private pump(): void {
    if (this.writing || this.paused > 0) return;
    const plan = this.journal.plan(this.writtenThrough, this.syncedThrough);
    // A synced batch takes the held-back chunks too: their pieces sort above everything, where a key of its own would not.
    const force = this.forceWanted || this.syncWanted || plan.rotate || plan.sync;
    if (this.ops.length === 0 && this.sources.size === 0 && !this.syncWanted && !(force && this.holding.size > 0)) {
      // Nothing to write: a change of the journal's files needs no batch, and waiters for one that will not come (settle on an idle writer) are done.
      if (plan.rotate) this.journal.rotated(this.writtenThrough);
      this.forceWanted = false;
      this.settleWaiters(this.nextBatch - 1);
      return;
    }
    if (this.spaceCheckDue) this.checkSpace();
    const batch = this.nextBatch++;
    const ops = this.ops;
    this.ops = [];
    const sealing = force ? new Set([...this.sources, ...this.holding]) : this.sources;
    this.sources = new Set();
    for (const source of sealing) {
      if (source.seal(ops, batch, force)) this.holding.add(source);
      else this.holding.delete(source);
    }
    if (plan.rotate) this.journal.rotated(batch);
    this.forceWanted = false;
    this.sealed = [...sealing];
    // A sync the journal asked for waits for a batch with something in it, rather than put a key of its own.
    const sync = this.syncWanted || (plan.sync && ops.length > 0);
    this.syncWanted = false;
    const directWrites = this.directWrites;
    const bytes = this.queuedBytes;
    this.queuedBytes = 0;
    this.batchedSinceSpaceCheck += bytes;
    if (ops.length === 0 && !sync) {
      // Only bytes held back were accepted: nothing for LevelDB (not even a key of its own, which would sort below the chunks).
      this.unwrittenBytes -= bytes;
      this.writtenThrough = batch;
      for (const source of this.sealed) source.written(batch);
      this.sealed = [];
      this.settleWaiters(batch);
      return;
    }
    if (ops.length === 0) ops.push({ type: 'put', key: this.syncKey, value: Buffer.alloc(0) });
    const write = this.store.write(this.store.location, sync ? 'flush' : 'append', (db) => writeBatch(db, ops, sync));
    this.writing = write.then(
      () => {
        this.writing = undefined;
        this.failure = undefined;
        this.unwrittenBytes -= bytes;
        this.writtenThrough = batch;
        if (sync) {
          this.syncedThrough = batch;
          this.directWritesSynced = directWrites;
        }
        for (const source of this.sealed) source.written(batch);
        this.sealed = [];
        this.settleWaiters(batch);
        this.pump();
      },
      (error: StorageError) => {
        this.writing = undefined;
        // Kept, ahead of anything newer: the next batch writes it again.
        this.ops = ops.concat(this.ops);
        this.queuedBytes += bytes;
        for (const source of this.sealed) this.sources.add(source);
        this.sealed = [];
        this.failure = error;
        const failed = this.waiters;
        this.waiters = [];
        for (const waiter of failed) waiter.reject(error);
      },
    );
  }

  private settleWaiters(through: number): void {
    if (this.waiters.length === 0) return;
    const waiting: Waiter[] = [];
    for (const waiter of this.waiters) {
      if (waiter.batch <= through) waiter.resolve();
      else waiting.push(waiter);
    }
    this.waiters = waiting;
  }
}
