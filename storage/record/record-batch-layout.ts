/**
 * Byte layout of a v2 record batch (magic 2), as Kafka writes it on the wire
 * and on disk. All integers are big-endian. Names follow Kafka's DefaultRecordBatch.
 *
 *   0 baseOffset int64            27 baseTimestamp int64
 *   8 batchLength int32           35 maxTimestamp int64
 *  12 partitionLeaderEpoch int32  43 producerId int64
 *  16 magic int8                  51 producerEpoch int16
 *  17 crc uint32                  53 baseSequence int32
 *  21 attributes int16            57 recordCount int32
 *  23 lastOffsetDelta int32       61 records…
 *
 * The CRC (CRC-32C) covers attributes through the end of the batch, so
 * baseOffset, batchLength and partitionLeaderEpoch can be rewritten in place
 * without recomputing it — which is why Kafka put them first.
 */
export const BASE_OFFSET = 0;
export const BATCH_LENGTH = 8;
export const PARTITION_LEADER_EPOCH = 12;
export const MAGIC = 16;
export const CRC = 17;
export const ATTRIBUTES = 21;
export const LAST_OFFSET_DELTA = 23;
export const BASE_TIMESTAMP = 27;
export const MAX_TIMESTAMP = 35;
export const PRODUCER_ID = 43;
export const PRODUCER_EPOCH = 51;
export const BASE_SEQUENCE = 53;
export const RECORD_COUNT = 57;
export const RECORDS = 61;

/** Header size; also the size of a batch with no records. */
export const RECORD_BATCH_OVERHEAD = RECORDS;
/** baseOffset + batchLength: the bytes batchLength does not count. */
export const LOG_OVERHEAD = 12;
/** The smallest batchLength a well-formed batch can have. */
export const MIN_BATCH_LENGTH = RECORD_BATCH_OVERHEAD - LOG_OVERHEAD;
export const CURRENT_MAGIC = 2;

/**
 * The smallest encoded record: one byte each for length, attributes,
 * timestampDelta, offsetDelta, keyLength, valueLength and header count.
 */
export const MIN_RECORD_SIZE = 7;

/** Attribute bits. */
export const COMPRESSION_MASK = 0x07;
export const TIMESTAMP_TYPE_BIT = 0x08;
export const TRANSACTIONAL_BIT = 0x10;
export const CONTROL_BIT = 0x20;
export const DELETE_HORIZON_BIT = 0x40;

export enum TimestampType {
  CreateTime = 0,
  LogAppendTime = 1,
}

/** Field values meaning "not set", as Kafka writes them. */
export const NO_TIMESTAMP = -1;
export const NO_PRODUCER_ID = -1;
export const NO_PRODUCER_EPOCH = -1;
export const NO_SEQUENCE = -1;
export const NO_PARTITION_LEADER_EPOCH = -1;
