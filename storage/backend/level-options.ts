import type { DatabaseOptions } from 'level';

/**
 * The level backend's settings (broker configs `level.*`). LevelDB's own are
 * chosen for a log's workload: values are large chunks of batches the codecs
 * have already compressed, written once in key order per object and read in
 * ranges.
 */
export interface LevelOptions {
  /** level.chunk.bytes: the bytes of an object kept as one LevelDB value (chunks are aligned on multiples of it). */
  chunkBytes: number;
  /** level.chunk.cache.bytes: chunks kept in memory after reads and writes, shared by every database of the backend. */
  chunkCacheBytes: number;
  /** level.write.buffer.bytes: LevelDB's writeBufferSize, the memtable (and log) written to a table when full. */
  writeBufferBytes: number;
  /** level.max.file.bytes: LevelDB's maxFileSize, the size of its table files. */
  maxFileBytes: number;
  /** level.block.bytes: LevelDB's blockSize. */
  blockBytes: number;
  /** level.cache.bytes: LevelDB's own block cache (cacheSize), per database. */
  cacheBytes: number;
  /** level.compression: LevelDB's Snappy compression of blocks; off, batches come compressed by their codec. */
  compression: boolean;
}

export const DEFAULT_LEVEL_OPTIONS: Readonly<LevelOptions> = {
  chunkBytes: 64 * 1024,
  chunkCacheBytes: 64 * 1024 * 1024,
  writeBufferBytes: 16 * 1024 * 1024,
  maxFileBytes: 16 * 1024 * 1024,
  blockBytes: 64 * 1024,
  cacheBytes: 8 * 1024 * 1024,
  compression: false,
};

/** What classic-level is opened with; the benchmarks open their raw databases with the same. */
export function levelDatabaseOptions(options: Readonly<LevelOptions>): DatabaseOptions<Buffer, Buffer> {
  return {
    keyEncoding: 'buffer',
    valueEncoding: 'buffer',
    compression: options.compression,
    cacheSize: options.cacheBytes,
    writeBufferSize: options.writeBufferBytes,
    maxFileSize: options.maxFileBytes,
    blockSize: options.blockBytes,
  };
}
