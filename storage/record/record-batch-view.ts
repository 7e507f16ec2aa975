import { CompressionType } from '../../codecs/codec.js';
import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { crc32c } from '../native/crc32c.js';
import { readInt16, readInt32, readInt64, readUInt32, writeInt64 } from './big-endian.js';
import * as L from './record-batch-layout.js';
import { lastSequenceOf } from './sequence.js';

/**
 * A header-only view of one v2 record batch inside a buffer. Reading a field
 * reads the bytes in place; nothing is decoded or decompressed, so the append
 * and fetch paths can validate, index and serve batches without touching
 * records. The view holds no copy: it sees (and its setters change) the buffer.
 */
export class RecordBatchView {
  constructor(
    readonly buffer: Buffer,
    /** Where the batch starts in `buffer`. */
    readonly start = 0,
  ) {}

  get baseOffset(): number {
    return readInt64(this.buffer, this.start + L.BASE_OFFSET);
  }
  /** Bytes after the batchLength field. */
  get batchLength(): number {
    return readInt32(this.buffer, this.start + L.BATCH_LENGTH);
  }
  /** The whole batch's size on the wire and on disk. */
  get sizeInBytes(): number {
    return L.LOG_OVERHEAD + this.batchLength;
  }
  get partitionLeaderEpoch(): number {
    return readInt32(this.buffer, this.start + L.PARTITION_LEADER_EPOCH);
  }
  get magic(): number {
    return (this.buffer[this.start + L.MAGIC]! << 24) >> 24;
  }
  get crc(): number {
    return readUInt32(this.buffer, this.start + L.CRC);
  }
  get attributes(): number {
    return readInt16(this.buffer, this.start + L.ATTRIBUTES);
  }
  get compression(): CompressionType {
    return this.attributes & L.COMPRESSION_MASK;
  }
  get timestampType(): L.TimestampType {
    return this.attributes & L.TIMESTAMP_TYPE_BIT ? L.TimestampType.LogAppendTime : L.TimestampType.CreateTime;
  }
  get isTransactional(): boolean {
    return (this.attributes & L.TRANSACTIONAL_BIT) !== 0;
  }
  get isControl(): boolean {
    return (this.attributes & L.CONTROL_BIT) !== 0;
  }
  get hasDeleteHorizonMs(): boolean {
    return (this.attributes & L.DELETE_HORIZON_BIT) !== 0;
  }
  /** When the cleaner may drop this batch's tombstones and markers; the baseTimestamp field holds it. */
  get deleteHorizonMs(): number {
    return this.hasDeleteHorizonMs ? this.baseTimestamp : L.NO_TIMESTAMP;
  }
  get lastOffsetDelta(): number {
    return readInt32(this.buffer, this.start + L.LAST_OFFSET_DELTA);
  }
  get lastOffset(): number {
    return this.baseOffset + this.lastOffsetDelta;
  }
  get nextOffset(): number {
    return this.lastOffset + 1;
  }
  get baseTimestamp(): number {
    return readInt64(this.buffer, this.start + L.BASE_TIMESTAMP);
  }
  get maxTimestamp(): number {
    return readInt64(this.buffer, this.start + L.MAX_TIMESTAMP);
  }
  get producerId(): number {
    return readInt64(this.buffer, this.start + L.PRODUCER_ID);
  }
  get producerEpoch(): number {
    return readInt16(this.buffer, this.start + L.PRODUCER_EPOCH);
  }
  get baseSequence(): number {
    return readInt32(this.buffer, this.start + L.BASE_SEQUENCE);
  }
  /** The sequence of the last record, wrapped past 2^31-1 as Kafka's; NO_SEQUENCE when the batch has none. */
  get lastSequence(): number {
    return lastSequenceOf(this.baseSequence, this.lastOffsetDelta);
  }
  get recordCount(): number {
    return readInt32(this.buffer, this.start + L.RECORD_COUNT);
  }
  /** The batch's bytes (a slice, no copy). */
  get bytes(): Buffer {
    return this.buffer.subarray(this.start, this.start + this.sizeInBytes);
  }
  /** The records section, still compressed if the batch is (a slice, no copy). */
  get recordsBytes(): Buffer {
    return this.buffer.subarray(this.start + L.RECORDS, this.start + this.sizeInBytes);
  }

  /**
   * Checks everything about the header that holds for any well-formed batch,
   * without reading records or the CRC: the batch fits in the buffer, magic
   * is 2, the compression type is known, and counts are consistent. Throws
   * CorruptRecordError naming the field that is wrong.
   */
  validateStructure(): void {
    const available = this.buffer.length - this.start;
    if (available < L.RECORD_BATCH_OVERHEAD) {
      throw new CorruptRecordError(`record batch header needs ${L.RECORD_BATCH_OVERHEAD} bytes, only ${Math.max(available, 0)} present`);
    }
    const batchLength = this.batchLength;
    if (batchLength < L.MIN_BATCH_LENGTH) {
      throw new CorruptRecordError(`batchLength ${batchLength} is smaller than the ${L.MIN_BATCH_LENGTH}-byte minimum`);
    }
    if (batchLength > available - L.LOG_OVERHEAD) {
      throw new CorruptRecordError(`batchLength ${batchLength} runs past the ${available - L.LOG_OVERHEAD} bytes present`);
    }
    const magic = this.magic;
    if (magic !== L.CURRENT_MAGIC) throw new CorruptRecordError(`magic ${magic} is not supported (only v2 record batches)`);
    const compression = this.compression;
    if (compression > CompressionType.Zstd) throw new CorruptRecordError(`attributes name unknown compression type ${compression}`);
    const count = this.recordCount;
    if (count < 0) throw new CorruptRecordError(`recordCount ${count} is negative`);
    const lastOffsetDelta = this.lastOffsetDelta;
    // Records have distinct, increasing offset deltas (compaction keeps lastOffsetDelta), so count ≤ lastOffsetDelta + 1.
    if (lastOffsetDelta < 0 || (count > 0 && lastOffsetDelta < count - 1)) {
      throw new CorruptRecordError(`lastOffsetDelta ${lastOffsetDelta} cannot hold recordCount ${count}`);
    }
    if (compression === CompressionType.None) {
      const recordsSize = batchLength - L.MIN_BATCH_LENGTH;
      if (count > recordsSize / L.MIN_RECORD_SIZE) {
        throw new CorruptRecordError(`recordCount ${count} cannot fit in ${recordsSize} bytes of records`);
      }
    }
  }

  /** validateStructure(), then the CRC. This is what append and fetch run per batch. */
  validate(): void {
    this.validateStructure();
    const stored = this.crc;
    const computed = this.computeCrc();
    if (stored !== computed) throw new CorruptRecordError(`crc ${hex(stored)} does not match the computed ${hex(computed)}`);
  }

  /** Whether the stored CRC matches the bytes (the buffer must hold the whole batch). */
  isValidCrc(): boolean {
    return this.crc === this.computeCrc();
  }

  // In-place rewrites, as the log does on append. baseOffset and the leader
  // epoch sit before the CRC's range, so changing them keeps the CRC valid.

  setBaseOffset(offset: number): void {
    writeInt64(this.buffer, this.start + L.BASE_OFFSET, offset);
  }

  setPartitionLeaderEpoch(epoch: number): void {
    this.buffer.writeInt32BE(epoch, this.start + L.PARTITION_LEADER_EPOCH);
  }

  /**
   * Sets maxTimestamp and the timestamp type, as the broker does for
   * LogAppendTime topics (or to correct a producer's maxTimestamp). Both are
   * inside the CRC's range, so the CRC is recomputed — unless nothing changed.
   */
  setMaxTimestamp(timestampType: L.TimestampType, maxTimestamp: number): void {
    if (this.timestampType === timestampType && this.maxTimestamp === maxTimestamp) return;
    const attributes = this.attributes;
    const typed = timestampType === L.TimestampType.LogAppendTime ? attributes | L.TIMESTAMP_TYPE_BIT : attributes & ~L.TIMESTAMP_TYPE_BIT;
    writeInt64(this.buffer, this.start + L.MAX_TIMESTAMP, maxTimestamp);
    this.buffer.writeInt16BE(typed, this.start + L.ATTRIBUTES);
    this.updateCrc();
  }

  /**
   * Sets the producer id, epoch and base sequence, as Kafka's producer does
   * when it re-sends a batch under a bumped epoch (KIP-360); they are inside
   * the CRC's range, so the CRC is recomputed.
   */
  setProducerState(producerId: number, producerEpoch: number, baseSequence: number): void {
    writeInt64(this.buffer, this.start + L.PRODUCER_ID, producerId);
    this.buffer.writeInt16BE(producerEpoch, this.start + L.PRODUCER_EPOCH);
    this.buffer.writeInt32BE(baseSequence, this.start + L.BASE_SEQUENCE);
    this.updateCrc();
  }

  /** Rewrites the CRC field to match the bytes. */
  updateCrc(): void {
    this.buffer.writeUInt32BE(this.computeCrc(), this.start + L.CRC);
  }

  private computeCrc(): number {
    return crc32c(this.buffer, this.start + L.ATTRIBUTES, this.start + this.sizeInBytes);
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
