/** One record a batch was refused for: its index in the batch and why (ProduceResponse's record_errors, v8+). */
export interface RecordError {
  readonly batchIndex: number;
  readonly message: string | null;
}

/**
 * Records whose bytes pass the CRC but break the rules of the record format
 * or of the topic (Kafka's InvalidRecordException, INVALID_RECORD 87): a
 * recordCount or lastOffsetDelta the records disagree with, records that do
 * not parse, offset deltas out of order, a control batch from a producer, a
 * keyless record on a compacted topic. When the fault lies in particular
 * records, `recordErrors` names them by index in the batch, as Kafka's
 * RecordValidationException does, and the broker returns them to the producer.
 */
export class InvalidRecordError extends Error {
  /** Kafka's error code for records the broker refuses to append (INVALID_RECORD). */
  readonly errorCode = 87;

  constructor(
    message: string,
    readonly recordErrors: readonly RecordError[] = [],
  ) {
    super(message);
    this.name = 'InvalidRecordError';
  }
}
