import { readdirSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Level } from 'level';
import { StorageError } from './storage-error.js';

export type Db = Level<Buffer, Buffer>;

/** LevelDB reports errno as strerror's text inside its messages; StorageError carries the errno name. */
const ERRNO_TEXTS: ReadonlyArray<readonly [string, string]> = [
  ['ENOSPC', 'No space left on device'],
  ['EDQUOT', 'Disk quota exceeded'],
  ['EROFS', 'Read-only file system'],
  ['EACCES', 'Permission denied'],
  ['EMFILE', 'Too many open files'],
];

/** A LevelDB error as a StorageError whose code is the errno behind it where the message names one. */
export function levelStorageError(error: unknown, path: string, action: string): StorageError {
  if (error instanceof StorageError) return error;
  const cause = (error as { cause?: unknown }).cause;
  const text = [error, cause]
    .map((e) => (e instanceof Error ? e.message : ''))
    .filter(Boolean)
    .join(': ');
  const errno = ERRNO_TEXTS.find(([, words]) => text.includes(words))?.[0];
  const corrupt = [error, cause].some((e) => (e as { code?: string } | undefined)?.code === 'LEVEL_CORRUPTION');
  return new StorageError(errno ?? (corrupt ? 'CORRUPT' : 'EIO'), path, `${action} failed: ${text}`, { cause: error });
}

/** Room LevelDB needs beyond its log files to reopen: a new MANIFEST, table overheads. */
const REOPEN_MARGIN_BYTES = 1 << 20;
/** Written beside the database to learn whether the file system has the room a reopen needs. */
const PROBE_SUFFIX = '.probe';

/**
 * One LevelDB database, kept usable through failed writes (a full disk).
 *
 * LevelDB makes a failed background write (its memtable flushed to a table, a
 * compaction) sticky: every later write fails with it until the database is
 * reopened. A failed write to its log is not sticky, but may leave a torn
 * record there, behind which records written later are lost when the log is
 * replayed at the next open. So after any failed write, writes stop: the next
 * one reopens the database first, which replays the log up to the failure and
 * starts a new one. Reads go on meanwhile. The reopen waits for the operations
 * in flight and holds new ones; it is tried only once a probe file shows the
 * file system has room to replay the log, since a database that fails to open
 * is closed and could not even be read.
 */
export class LevelStore {
  private open = true;
  private closed = false;
  /** The write that failed, while the database has not been reopened since. */
  private failure: StorageError | undefined;
  /** Counts failed writes: a write that saw one fail while it ran is not trusted either. */
  private failures = 0;
  private reopening: Promise<void> | undefined;
  private inFlight = 0;
  private drained: (() => void) | undefined;

  constructor(
    private readonly db: Db,
    /** The database's folder. */
    readonly location: string,
    private readonly warn: (message: string) => void,
    /** Runs on the reopened database before anything else may: undoes what the failed writes may have left. */
    private readonly repair: (db: Db) => Promise<void>,
  ) {}

  /** Runs a read: on the database as it is, even after a failed write. */
  read<T>(path: string, action: string, run: (db: Db) => Promise<T>): Promise<T> {
    return this.use(false, path, action, run);
  }

  /** Runs a write (it may read too): after a failed one, only on the reopened database. */
  write<T>(path: string, action: string, run: (db: Db) => Promise<T>): Promise<T> {
    return this.use(true, path, action, run);
  }

  private async use<T>(writes: boolean, path: string, action: string, run: (db: Db) => Promise<T>): Promise<T> {
    for (;;) {
      if (this.closed) throw new StorageError('CLOSED', path, 'log directory used after close');
      if (!this.reopening && !this.needsReopen(writes)) break;
      this.reopening ??= this.reopen().finally(() => (this.reopening = undefined));
      try {
        await this.reopening;
      } catch (error) {
        // The reopen this waited for failed: an operation that needed it fails with it, not tries again.
        if (this.needsReopen(writes)) throw levelStorageError(error, path, action);
      }
    }
    const failuresBefore = this.failures;
    this.inFlight++;
    try {
      const result = await run(this.db);
      if (writes && this.failures !== failuresBefore) {
        // LevelDB ran it after a write that failed, so it may sit behind a torn record in the log.
        throw new StorageError(this.failure?.code ?? 'EIO', path, `${action} failed: an earlier write to the database failed`);
      }
      return result;
    } catch (error) {
      if (error instanceof StorageError) throw error; // samsa's own (NOT_FOUND, CORRUPT), not LevelDB failing
      const failed = levelStorageError(error, path, action);
      if (writes) this.failed(failed);
      throw failed;
    } finally {
      if (--this.inFlight === 0) this.drained?.();
    }
  }

  /** Closed by a reopen that failed, or a write failed since the last open. */
  private needsReopen(writes: boolean): boolean {
    return !this.open || (writes && this.failure !== undefined);
  }

  private failed(error: StorageError): void {
    this.failures++;
    if (this.failure) return;
    this.failure = error;
    this.warn(`${this.location}: a write failed (${error.message}); writes wait for the database to be reopened, reads go on`);
  }

  private async reopen(): Promise<void> {
    if (this.open) {
      this.checkRoom();
      while (this.inFlight > 0) await new Promise<void>((resolve) => (this.drained = resolve));
      this.drained = undefined;
      await this.db.close();
      this.open = false;
    }
    await this.db.open();
    this.open = true;
    try {
      await this.repair(this.db);
    } catch (error) {
      this.failed(levelStorageError(error, this.location, 'repair after reopening'));
      throw error;
    }
    if (this.failure) this.warn(`${this.location}: reopened the database; writes resume`);
    this.failure = undefined;
  }

  /**
   * Opening replays LevelDB's log files into a new table, so the file system
   * must hold about as much again: written as a probe file first, which
   * fails with ENOSPC where the open would.
   */
  private checkRoom(): void {
    let logBytes = 0;
    for (const name of readdirSync(this.location)) if (name.endsWith('.log')) logBytes += statSync(join(this.location, name)).size;
    const probe = this.location + PROBE_SUFFIX;
    try {
      writeFileSync(probe, Buffer.alloc(logBytes + REOPEN_MARGIN_BYTES));
    } catch (error) {
      throw StorageError.from(error, this.location, `reserving room to reopen the database (${logBytes + REOPEN_MARGIN_BYTES} bytes)`);
    } finally {
      try {
        unlinkSync(probe);
      } catch {
        // never created
      }
    }
  }

  /** Closes the database once a reopen under way has settled; operations after this fail with CLOSED. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    await this.reopening?.catch(() => undefined);
    await this.db.close();
  }
}
