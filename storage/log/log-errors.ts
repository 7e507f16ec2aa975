/** A fetch or truncation at an offset the log does not hold (Kafka's OFFSET_OUT_OF_RANGE, 1). */
export class OffsetOutOfRangeError extends Error {
  readonly errorCode = 1;

  constructor(
    readonly offset: number,
    readonly logStartOffset: number,
    readonly logEndOffset: number,
  ) {
    super(`offset ${offset} is out of range: the log holds offsets ${logStartOffset} to ${logEndOffset}`);
    this.name = 'OffsetOutOfRangeError';
  }
}

/** A batch larger than max.message.bytes (Kafka's MESSAGE_TOO_LARGE, 10). */
export class RecordTooLargeError extends Error {
  readonly errorCode = 10;

  constructor(
    readonly size: number,
    readonly limit: number,
  ) {
    super(`record batch of ${size} bytes exceeds max.message.bytes ${limit}`);
    this.name = 'RecordTooLargeError';
  }
}
