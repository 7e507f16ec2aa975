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

/** A CreateTime timestamp outside message.timestamp.before/after.max.ms of the broker's clock (Kafka's INVALID_TIMESTAMP, 32). */
export class InvalidTimestampError extends Error {
  readonly errorCode = 32;

  constructor(
    readonly timestamp: number,
    readonly now: number,
  ) {
    super(
      `timestamp ${timestamp} is out of the range the topic accepts around the broker time ${now} (message.timestamp.before.max.ms / message.timestamp.after.max.ms)`,
    );
    this.name = 'InvalidTimestampError';
  }
}

/** A cleaning stopped because the log was truncated, had records deleted or was closed (Kafka's LogCleaningAbortedException). */
export class LogCleaningAbortedError extends Error {
  constructor(readonly path: string) {
    super(`${path}: log cleaning aborted`);
    this.name = 'LogCleaningAbortedError';
  }
}

/** An idempotent batch whose sequence does not follow the producer's last one (Kafka's OUT_OF_ORDER_SEQUENCE_NUMBER, 45). */
export class OutOfOrderSequenceError extends Error {
  readonly errorCode = 45;

  constructor(
    readonly producerId: number,
    readonly sequence: number,
    readonly expected: number,
  ) {
    super(`producer ${producerId} sent sequence ${sequence}, expected ${expected}`);
    this.name = 'OutOfOrderSequenceError';
  }
}

/** A batch from a producer epoch older than the latest seen (Kafka's INVALID_PRODUCER_EPOCH, 47). */
export class InvalidProducerEpochError extends Error {
  readonly errorCode = 47;

  constructor(
    readonly producerId: number,
    readonly epoch: number,
    readonly currentEpoch: number,
  ) {
    super(`producer ${producerId} epoch ${epoch} is older than the current epoch ${currentEpoch}`);
    this.name = 'InvalidProducerEpochError';
  }
}

/** A producer state snapshot that cannot be read (Kafka's CorruptSnapshotException): it is deleted and state rebuilt from the log. */
export class CorruptSnapshotError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: corrupt producer snapshot: ${reason}`);
    this.name = 'CorruptSnapshotError';
  }
}

/** An index file whose entries do not hold together or do not match its log (Kafka's CorruptIndexException): the segment is recovered, which rebuilds it. */
export class CorruptIndexError extends Error {
  constructor(
    readonly path: string,
    reason: string,
  ) {
    super(`${path}: corrupt index: ${reason}`);
    this.name = 'CorruptIndexError';
  }
}

/** A follower's append whose first batch starts below the log end (Kafka's UnexpectedAppendOffsetException): the replica must truncate first. */
export class UnexpectedAppendOffsetError extends Error {
  constructor(
    readonly firstOffset: number,
    readonly logEndOffset: number,
  ) {
    super(`a follower append starts at offset ${firstOffset}, below the log end offset ${logEndOffset}`);
    this.name = 'UnexpectedAppendOffsetError';
  }
}

/**
 * A producer's batch that does not fit its transaction state (Kafka's
 * INVALID_TXN_STATE, 48): a transactional batch starting a transaction the
 * coordinator did not verify (KIP-890: the partition must have been added to
 * the producer's transaction), or a plain batch while its transaction is open.
 */
export class InvalidTxnStateError extends Error {
  readonly errorCode = 48;

  constructor(
    readonly producerId: number,
    readonly producerEpoch: number,
    reason = 'wrote a transactional batch, but no transaction of it is in progress on this partition',
  ) {
    super(`producer ${producerId} (epoch ${producerEpoch}) ${reason}`);
    this.name = 'InvalidTxnStateError';
  }
}

/**
 * A transaction marker from a transaction coordinator older than the last one
 * this producer's markers came from (Kafka's TRANSACTION_COORDINATOR_FENCED, 52).
 */
export class TransactionCoordinatorFencedError extends Error {
  readonly errorCode = 52;

  constructor(
    readonly producerId: number,
    readonly coordinatorEpoch: number,
    readonly currentCoordinatorEpoch: number,
  ) {
    super(
      `a transaction marker for producer ${producerId} comes from coordinator epoch ${coordinatorEpoch}, older than the current ${currentCoordinatorEpoch}`,
    );
    this.name = 'TransactionCoordinatorFencedError';
  }
}
