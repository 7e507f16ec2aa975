import type { AbortedTxn } from '../transaction-index.js';
import type { CleanerStats } from './cleaner-stats.js';
import type { UncleanableBatch } from './uncleanable-batches.js';

/**
 * The messages between a Cleaner (main thread: storage I/O, segment files,
 * swaps) and its CleanerCore (the per-record work: the offset map, deciding
 * what to keep, rebuilding batches), which runs in the cleaner's worker
 * thread, or in the main thread when no worker can start. The same messages
 * go either way, so both paths run the same code.
 *
 * Chunks travel as ArrayBuffers holding whole batches, transferred (moved,
 * not copied) to the core and back with its reply, so the main thread reads
 * the next chunk into one buffer while the core works on another. Cleaned
 * output comes back the same way, and its buffer returns with a later
 * request (`spareOutputs`) to be filled again.
 */

/** How a core sizes its memory; sent with every beginMap (a restarted worker makes the core anew from it). */
export interface CoreOptions {
  readonly dedupeBufferSize: number;
  readonly dedupeBufferLoadFactor: number;
  /** The cleaned output buffer's starting size. */
  readonly ioBufferSize: number;
}

export type CleanerRequest =
  /**
   * Starts a cleaning: clears the offset map, the producers' last batches and
   * the statistics. `uncleanable`: the log's batches earlier cleanings found
   * unreadable, kept without being read again; `aborted`: the aborted
   * transactions overlapping [start, end), from the `.txnindex` files.
   */
  | {
      readonly op: 'beginMap';
      readonly options: CoreOptions;
      readonly start: number;
      readonly end: number;
      readonly uncleanable: readonly UncleanableBatch[];
      readonly aborted: readonly AbortedTxn[];
    }
  /** Maps the keys of a chunk of a dirty segment read from its start. */
  | { readonly op: 'mapChunk'; readonly chunk: ArrayBuffer; readonly length: number }
  /** A dirty segment's chunks are all sent; the next segment starts at `nextStart`. */
  | { readonly op: 'endMapSegment'; readonly nextStart: number }
  /** The map is built: where the cleaning ends. */
  | { readonly op: 'finishMap' }
  /** Batch headers of a chunk of a segment before the dirty section (the producers' last batches). */
  | { readonly op: 'producerHeaders'; readonly chunk: ArrayBuffer; readonly length: number }
  /** Rewriting starts. */
  | { readonly op: 'beginFilter'; readonly now: number; readonly deleteRetentionMs: number; readonly upperBoundOffset: number }
  /** A group of segments is rewritten next: the aborted transactions overlapping it (from the `.txnindex` files). */
  | { readonly op: 'beginGroup'; readonly aborted: readonly AbortedTxn[] }
  /** What of a chunk's batches survives, as cleaned batches. */
  | { readonly op: 'filterChunk'; readonly chunk: ArrayBuffer; readonly length: number; readonly spareOutputs: ArrayBuffer[] }
  /** The cleaning's statistics so far. */
  | { readonly op: 'stats' }
  /** The batches this cleaning found it could not read (kept as they are). */
  | { readonly op: 'uncleanableFound' }
  /** Frees the core (its offset map). */
  | { readonly op: 'dispose' };

export interface MapChunkReply {
  readonly chunk: ArrayBuffer;
  /** False once the walk of this segment must stop: a batch at or past the end, or the map is full. */
  readonly more: boolean;
  readonly full: boolean;
}

export interface FinishMapReply {
  /** The first offset not covered: after the mapped offsets. */
  readonly endOffset: number;
  readonly mapEntries: number;
  readonly bufferUtilization: number;
}

export interface ChunkReply {
  readonly chunk: ArrayBuffer;
}

export interface FilterChunkReply {
  readonly chunk: ArrayBuffer;
  /** The cleaned batches, one after another in `output[0, outputLength)`; null when nothing of the chunk survived. */
  readonly output: ArrayBuffer | null;
  readonly outputLength: number;
  /** Where each cleaned batch starts in `output`. */
  readonly starts: number[];
  /** Aborted transactions whose markers in this chunk were kept: entries for the cleaned segment's `.txnindex`. */
  readonly retainedAborted: AbortedTxn[];
}

/** What each request answers. */
export interface CleanerReplies {
  beginMap: undefined;
  mapChunk: MapChunkReply;
  endMapSegment: undefined;
  finishMap: FinishMapReply;
  producerHeaders: ChunkReply;
  beginFilter: undefined;
  beginGroup: undefined;
  filterChunk: FilterChunkReply;
  stats: CleanerStats;
  uncleanableFound: UncleanableBatch[];
  dispose: undefined;
}

export type ReplyTo<R extends CleanerRequest> = CleanerReplies[R['op']];

/** A request to the worker, for one of the cores it hosts (one per Cleaner). */
export interface WorkerRequest {
  readonly id: number;
  readonly core: number;
  readonly request: CleanerRequest;
}

/** An error crossing the thread boundary: its class name and message, rebuilt on the other side. */
export interface SerializedError {
  readonly name: string;
  readonly message: string;
  readonly stack?: string;
}

export type WorkerReply =
  | { readonly id: number; readonly value: unknown }
  | { readonly id: number; readonly error: SerializedError }
  | { readonly ready: true };
