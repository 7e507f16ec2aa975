/**
 * Kafka's compression types, as stored in the low three bits of a record
 * batch's attributes and named by the `compression.type` config.
 */
export enum CompressionType {
  None = 0,
  Gzip = 1,
  Snappy = 2,
  Lz4 = 3,
  Zstd = 4,
}

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** One compression algorithm, byte-compatible with what Kafka clients send. */
export interface Codec {
  readonly type: CompressionType;
  readonly name: CompressionName;
  /** Compress in the framing Kafka's Java client and brokers write. */
  compress(input: Uint8Array): Buffer;
  /**
   * Decompress any framing real clients send. Output larger than
   * `maxOutputBytes` is a decompression bomb and raises CorruptRecordError.
   */
  decompress(input: Uint8Array, maxOutputBytes?: number): Buffer;
}
