/**
 * A codec this installation cannot run (its native module was not built).
 * Kafka answers a batch it cannot decompress with UNSUPPORTED_COMPRESSION_TYPE
 * (error code 76), so the broker can map this error directly.
 */
export class UnsupportedCompressionError extends Error {
  /** Kafka's error code for it (UNSUPPORTED_COMPRESSION_TYPE). */
  readonly errorCode = 76;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'UnsupportedCompressionError';
  }
}
