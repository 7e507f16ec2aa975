import { setImmediate as nextTurn } from 'node:timers/promises';
import { RECORD_BATCH_OVERHEAD } from '../../record/record-batch-layout.js';
import { RecordBatchView } from '../../record/record-batch-view.js';
import type { Log } from '../log.js';
import { CLEANED_SUFFIX, segmentFileNames } from '../log-file-names.js';
import { LogSegment } from '../log-segment.js';
import type { AbortedTxn } from '../transaction-index.js';
import { type CleanerStats, emptyCleanerStats } from './cleaner-stats.js';
import { CleanerThread, type CoreHandle, defaultWorkerScript, InThreadCore } from './cleaner-thread.js';
import type { IoThrottler } from './io-throttler.js';
import { groupSegmentsBySize } from './segment-groups.js';
import { type SegmentChunk, SegmentReader } from './segment-reader.js';
import type { UncleanableBatch } from './uncleanable-batches.js';

/** Kafka's defaults for the cleaner's buffers. */
export const DEFAULT_DEDUPE_BUFFER_SIZE = 128 * 1024 * 1024; // log.cleaner.dedupe.buffer.size
export const DEFAULT_DEDUPE_BUFFER_LOAD_FACTOR = 0.9; // log.cleaner.io.buffer.load.factor
export const DEFAULT_IO_BUFFER_SIZE = 512 * 1024; // log.cleaner.io.buffer.size

/**
 * The aborted transactions overlapping each segment of `group`, from the
 * segment's base to the next segment's (Kafka's cleanSegments collects them
 * so), each once.
 */
function abortedTransactionsOf(log: Log, group: readonly LogSegment[]): AbortedTxn[] {
  const all = log.allSegments;
  const found = new Map<string, AbortedTxn>();
  for (const segment of group) {
    const upperBound = all[all.indexOf(segment) + 1]?.baseOffset ?? segment.nextOffset;
    for (const txn of log.collectAbortedTransactions(segment.baseOffset, upperBound)) found.set(`${txn.producerId}:${txn.firstOffset}`, txn);
  }
  return [...found.values()];
}

/** Chunks on their way to or in the core at once: one worked on while the next is read. */
const CHUNKS_IN_FLIGHT = 2;
/**
 * The most the main thread reads (and writes) per turn of its event loop,
 * whatever log.cleaner.io.buffer.size says: larger chunks would hold the loop
 * longer on backends whose I/O is synchronous. A single larger batch is
 * still read whole.
 */
export const MAX_CHUNK_BYTES = 4 * 1024 * 1024;

export interface CleanerOptions {
  /** log.cleaner.dedupe.buffer.size: the most memory the offset map may take (it grows to it as needed). */
  dedupeBufferSize?: number;
  /** log.cleaner.io.buffer.load.factor: how full the offset map may get. */
  dedupeBufferLoadFactor?: number;
  /** log.cleaner.io.buffer.size: the read and write chunk size. */
  ioBufferSize?: number;
  /**
   * log.cleaner.threads: 0 does the record work (decoding, the offset map,
   * filtering, re-encoding) on the calling thread; 1 or more (the default, 1)
   * in the cleaner's worker thread, one per process, shared by every Cleaner.
   * Storage I/O stays on the calling thread either way.
   */
  threads?: number;
  /** Which of the process's cleaner worker threads the record work runs in (one per cleaner thread of a LogCleaner; 0 by default). */
  worker?: number;
  /** log.cleaner.io.max.bytes.per.second: the throttle the bytes read and written go through (none by default), shared by a LogCleaner's threads. */
  throttler?: IoThrottler;
  /** Where a worker that cannot start is reported (console.warn by default); the cleaner then works on the calling thread. */
  warn?: (message: string) => void;
  /** The worker's compiled script; by default cleaner-worker.js beside this module (see cleaner-thread.ts). */
  workerScript?: URL;
}

/** The offsets a cleaning covers: the dirty section [firstDirtyOffset, firstUncleanableOffset). */
export interface DirtySection {
  readonly firstDirtyOffset: number;
  readonly firstUncleanableOffset: number;
}

/** How a cleaning in progress is stopped: `checkDone` throws to abort (called before each chunk read), `signal` ends a throttle's pause. */
interface CleaningControl {
  readonly checkDone: () => void;
  readonly signal: AbortSignal | undefined;
}

export interface CleaningResult {
  readonly firstDirtyOffset: number;
  /** The first offset the cleaning did not cover: the log's new cleaner checkpoint. */
  readonly endOffset: number;
  readonly stats: CleanerStats;
}

// Frees the core of a Cleaner dropped without close().
const orphans = new FinalizationRegistry<CoreHandle>((core) => core.dispose());

/**
 * Cleans one log (Kafka's Cleaner): builds the offset map of key → latest
 * offset from the dirty section, then rewrites every segment from the log
 * start to the end of the mapped offsets, group by group, keeping only what
 * the map says is latest (see batch-filter.ts), and swaps each cleaned group
 * in for the segments it came from. The active segment is never touched.
 *
 * The work is split between threads. This class, on the caller's thread,
 * does the storage I/O: it reads segments in chunks through the backend,
 * writes the `.cleaned` segment and swaps it in. The record work — the
 * offset map, decoding, deciding what to keep, rebuilding and compressing
 * batches — is the CleanerCore's (cleaner-core.ts), in the cleaner's worker
 * thread. Chunks go to the core and come back (cleaner-protocol.ts), two in
 * flight so reading overlaps the core's work; between chunks the caller's
 * event loop runs, so a long cleaning never holds it for more than a chunk's
 * read or write. When no worker can start, or with `threads: 0`, the core
 * runs on the caller's thread, still one chunk per turn of the event loop.
 *
 * One Cleaner cleans one log at a time: its core and buffers are reused.
 * `close()` frees its core.
 */
export class Cleaner {
  private readonly reader: SegmentReader;
  private readonly coreOptions: { dedupeBufferSize: number; dedupeBufferLoadFactor: number; ioBufferSize: number };
  private readonly threads: number;
  private readonly worker: number;
  private readonly throttler: IoThrottler | undefined;
  private readonly warn: (message: string) => void;
  private readonly workerScript: URL;
  private core: CoreHandle | undefined;
  private workerUnavailable = false;
  private lastInWorker = false;
  /** Cleaned-output buffers given back to the core with its next chunk. */
  private readonly spareOutputs: ArrayBuffer[] = [];
  /** Each log's batches found unreadable, so later cleanings keep them without reading (or warning about) them again. */
  private readonly uncleanable = new WeakMap<Log, UncleanableBatch[]>();

  constructor(options: CleanerOptions = {}) {
    const io = Math.min(options.ioBufferSize ?? DEFAULT_IO_BUFFER_SIZE, MAX_CHUNK_BYTES);
    this.reader = new SegmentReader(io);
    this.coreOptions = {
      dedupeBufferSize: options.dedupeBufferSize ?? DEFAULT_DEDUPE_BUFFER_SIZE,
      dedupeBufferLoadFactor: options.dedupeBufferLoadFactor ?? DEFAULT_DEDUPE_BUFFER_LOAD_FACTOR,
      ioBufferSize: io,
    };
    this.threads = options.threads ?? 1;
    this.worker = options.worker ?? 0;
    this.throttler = options.throttler;
    this.warn = options.warn ?? ((m: string) => console.warn(m));
    this.workerScript = options.workerScript ?? defaultWorkerScript();
  }

  /** Whether the last cleaning's record work ran in the worker thread (false before any). */
  get usesWorker(): boolean {
    return this.lastInWorker;
  }

  /** Frees the core (its offset map); a later cleaning makes a new one. */
  close(): void {
    this.core?.dispose();
    if (this.core) orphans.unregister(this);
    this.core = undefined;
  }

  /** The core for a cleaning: in the worker thread, started if need be, else in-thread. */
  private async acquireCore(): Promise<CoreHandle> {
    if (this.core?.usable) return this.core;
    this.close();
    let core: CoreHandle | undefined;
    if (this.threads > 0 && !this.workerUnavailable) {
      try {
        core = (await CleanerThread.get(this.workerScript, this.worker)).attach();
      } catch (error) {
        this.workerUnavailable = true;
        this.warn(`the log cleaner's worker thread could not start (${(error as Error).message}); cleaning on the main thread`);
      }
    }
    this.core = core ?? new InThreadCore();
    orphans.register(this, this.core, this);
    return this.core;
  }

  /**
   * Cleans `log`'s `dirty` section as of `now`. Runs inside `log.runCleaning`
   * (LogCleaner.cleanLog does this); `checkDone` throws to abort, and is
   * called before each chunk read; `signal`, when given, also ends a pause of
   * the throttle. On an abort or error the cleaned segment being written is
   * deleted and the log keeps the segments not yet swapped.
   */
  async clean(log: Log, dirty: DirtySection, now: number, checkDone: () => void = () => undefined, signal?: AbortSignal): Promise<CleaningResult> {
    const control: CleaningControl = { checkDone, signal };
    const started = performance.now();
    const start = dirty.firstDirtyOffset;
    const end = dirty.firstUncleanableOffset;
    if (end <= start) return { firstDirtyOffset: start, endOffset: start, stats: emptyCleanerStats() };

    const core = await this.acquireCore();
    this.lastInWorker = core.inWorker;
    const uncleanable = (this.uncleanable.get(log) ?? []).filter((b) => b.lastOffset >= log.logStartOffset);
    await core.call({ op: 'beginMap', options: this.coreOptions, start, end, uncleanable, aborted: log.collectAbortedTransactions(start, end) });
    const mapReadBefore = this.reader.bytesRead;
    await this.buildOffsetMap(core, log, start, end, control);
    const { endOffset } = await core.call({ op: 'finishMap' });
    const mapBytesRead = this.reader.bytesRead - mapReadBefore;
    if (endOffset <= start) {
      await this.noteUncleanable(core, log, uncleanable);
      return { firstDirtyOffset: start, endOffset: start, stats: { ...(await core.call({ op: 'stats' })), mapBytesRead } };
    }

    const segments = log.allSegments.filter((s) => s.baseOffset < endOffset);
    await this.findProducersLastBatches(core, segments, start, control);
    await core.call({ op: 'beginFilter', now, deleteRetentionMs: log.config.deleteRetentionMs, upperBoundOffset: end });
    let segmentsCleaned = 0;
    let groupsCleaned = 0;
    for (const group of groupSegmentsBySize(segments, log.config.segmentBytes, log.config.segmentIndexBytes, end)) {
      await this.cleanGroup(core, log, group, control);
      segmentsCleaned += group.length;
      groupsCleaned++;
    }
    await this.noteUncleanable(core, log, uncleanable);
    const stats = { ...(await core.call({ op: 'stats' })), mapBytesRead, segmentsCleaned, groupsCleaned, elapsedMs: performance.now() - started };
    return { firstDirtyOffset: start, endOffset, stats };
  }

  /** Warns about the batches the cleaning found it could not read, once each, and remembers them for the log's next cleanings. */
  private async noteUncleanable(core: CoreHandle, log: Log, known: readonly UncleanableBatch[]): Promise<void> {
    const found = await core.call({ op: 'uncleanableFound' });
    for (const batch of found) {
      this.warn(
        `${log.dir.path}: the batch at offsets ${batch.baseOffset}..${batch.lastOffset} cannot be cleaned (${batch.reason}); it is kept as it is and the rest of the log is cleaned`,
      );
    }
    this.uncleanable.set(log, [...known, ...found]);
  }

  /**
   * Has the core map each key of [start, end) to its latest offset (Kafka's
   * buildOffsetMap) and note each producer's last batch, reading each dirty
   * segment from its start. Stops early when the map is full; the core then
   * says how far it got.
   */
  private async buildOffsetMap(core: CoreHandle, log: Log, start: number, end: number, control: CleaningControl): Promise<void> {
    const all = log.allSegments;
    const dirty = all.filter((s, i) => s.baseOffset < end && (all[i + 1]?.baseOffset ?? Infinity) > start);
    for (let i = 0; i < dirty.length; i++) {
      let full = false;
      await this.pump(
        dirty[i]!,
        'batches',
        control,
        (chunk, length) => core.call({ op: 'mapChunk', chunk, length }, [chunk]),
        (reply) => {
          full = reply.full;
          return reply.more;
        },
      );
      // Offsets missing at a segment's end (compacted away earlier) are covered too, unless the map filled up.
      await core.call({ op: 'endMapSegment', nextStart: dirty[i + 1]?.baseOffset ?? end });
      if (full) break;
    }
  }

  /**
   * Completes the producers' last batches over the segments before the dirty
   * section, from batch headers only. (Kafka asks its producer state; samsa
   * keeps none, so the cleaner looks at the log itself.)
   */
  private async findProducersLastBatches(core: CoreHandle, segments: readonly LogSegment[], start: number, control: CleaningControl): Promise<void> {
    for (let i = 0; i < segments.length; i++) {
      const next = segments[i + 1];
      if (!next || next.baseOffset > start) break; // from here on the offset map's scan saw every batch
      await this.pump(
        segments[i]!,
        'headers',
        control,
        (chunk, length) => core.call({ op: 'producerHeaders', chunk, length }, [chunk]),
        () => true,
      );
    }
  }

  /** Rewrites one group into a `.cleaned` segment and swaps it in (Kafka's cleanSegments). */
  private async cleanGroup(core: CoreHandle, log: Log, group: readonly LogSegment[], control: CleaningControl): Promise<void> {
    const base = group[0]!.baseOffset;
    const present = new Set(await log.dir.list());
    for (const name of segmentFileNames(base, CLEANED_SUFFIX)) if (present.has(name)) await log.dir.delete(name); // left by an aborted cleaning
    const cleaned = await LogSegment.open(log.dir, base, log.config, true, CLEANED_SUFFIX);
    try {
      await core.call({ op: 'beginGroup', aborted: abortedTransactionsOf(log, group) });
      for (const segment of group) {
        await this.pump(
          segment,
          'batches',
          control,
          (chunk, length) => {
            const spareOutputs = this.spareOutputs.splice(0);
            return core.call({ op: 'filterChunk', chunk, length, spareOutputs }, [chunk, ...spareOutputs]);
          },
          async (reply) => {
            if (reply.output) {
              // The batches kept, written in one append; then their buffer goes back to the core.
              const bytes = Buffer.from(reply.output, 0, reply.outputLength);
              await cleaned.append(
                bytes,
                reply.starts.map((at) => new RecordBatchView(bytes, at)),
              );
              this.spareOutputs.push(reply.output);
              await this.throttler?.throttle(reply.outputLength, control.signal);
            }
            for (const txn of reply.retainedAborted) await cleaned.txnIndex.append(txn);
          },
        );
      }
      await cleaned.flush();
      await cleaned.close();
      control.checkDone();
    } catch (error) {
      await cleaned.close().catch(() => undefined);
      for (const name of segmentFileNames(base, CLEANED_SUFFIX)) await log.dir.delete(name).catch(() => undefined);
      throw error;
    }
    await log.replaceSegments(group, base);
  }

  /**
   * Walks `segment` chunk by chunk from its start: reads a chunk (`checkDone`
   * first; the throttle counts it), hands it to the core with `send`, and reads the next while the
   * core works, with at most CHUNKS_IN_FLIGHT chunks out; replies go to
   * `onReply` in order, and its false stops the walk. Waiting for a reply is
   * where the event loop runs other work. On an error the chunks out are
   * waited for, so the core is idle when this returns.
   */
  private async pump<Reply extends { chunk: ArrayBuffer }>(
    segment: LogSegment,
    mode: 'batches' | 'headers',
    { checkDone, signal }: CleaningControl,
    send: (chunk: ArrayBuffer, length: number) => Promise<Reply>,
    onReply: (reply: Reply) => Promise<boolean | undefined> | boolean | undefined,
  ): Promise<void> {
    const size = segment.size;
    const inFlight: Promise<Reply>[] = [];
    let position = 0;
    let stopped = false;
    const settleOldest = async () => {
      const reply = await inFlight.shift()!;
      this.reader.release(reply.chunk);
      if (!stopped && (await onReply(reply)) === false) stopped = true;
    };
    try {
      while (!stopped && (mode === 'batches' ? position < size : size - position >= RECORD_BATCH_OVERHEAD)) {
        if (inFlight.length >= CHUNKS_IN_FLIGHT) {
          await settleOldest();
          continue;
        }
        checkDone();
        const buffer = this.reader.take();
        const readBefore = this.reader.bytesRead;
        const chunk: SegmentChunk =
          mode === 'batches' ? await this.reader.readBatches(segment, position, buffer) : await this.reader.readHeaders(segment, position, buffer);
        position = chunk.next;
        if (this.throttler) {
          try {
            await this.throttler.throttle(this.reader.bytesRead - readBefore, signal);
          } catch (error) {
            this.reader.release(chunk.buffer);
            throw error;
          }
        }
        const reply = send(chunk.buffer, chunk.length);
        reply.catch(() => undefined); // awaited in turn below; not an unhandled rejection meanwhile
        inFlight.push(reply);
        // Reading the next chunk at once (the first of a segment) waits a turn first: one read per turn.
        if (inFlight.length < CHUNKS_IN_FLIGHT) await nextTurn();
      }
      while (inFlight.length > 0) await settleOldest();
    } finally {
      stopped = true;
      for (const pending of inFlight.splice(0)) {
        const reply = await pending.catch(() => undefined);
        if (reply) this.reader.release(reply.chunk);
      }
    }
  }
}
