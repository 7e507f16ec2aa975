/**
 * Raised for any record data that cannot be trusted: bad compressed payloads,
 * bad CRCs, lengths that do not add up. Kafka answers such data with
 * CORRUPT_MESSAGE (error code 2), so the broker can map this error directly.
 */
export class CorruptRecordError extends Error {
  /** Kafka's error code for corrupt records (CORRUPT_MESSAGE). */
  readonly errorCode = 2;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'CorruptRecordError';
  }
}
