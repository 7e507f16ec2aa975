import { CompressionType } from '../../../codecs/codec.js';
import { CorruptRecordError } from '../../../codecs/corrupt-record-error.js';
import { codecFor } from '../../../codecs/index.js';
import { ControlRecordType, readControlRecordType } from '../../../storage/record/control-record.js';
import { decodeRecords, type RecordHeader } from '../../../storage/record/record.js';
import { MIN_RECORD_SIZE, TimestampType } from '../../../storage/record/record-batch-layout.js';
import { scanBatches } from '../../../storage/record/record-batch-scan.js';
import type { RecordBatchView } from '../../../storage/record/record-batch-view.js';
import { type ByteCursor, readVarint, readVarlong } from '../../../storage/record/varint.js';
import type { ConsumerRecord, TimestampTypeName } from './consumer-records.js';
import type { Deserializer } from './deserializers.js';
import { RecordDeserializationError } from './errors.js';

export interface AbortedTransaction {
  readonly producerId: number;
  readonly firstOffset: number;
}

export interface CompletedFetchOptions {
  /** isolation.level=read_committed: skip records of aborted transactions. */
  readonly readCommitted: boolean;
  /** check.crcs: verify each batch's CRC-32C before reading its records. */
  readonly checkCrcs: boolean;
  readonly abortedTransactions: readonly AbortedTransaction[] | null;
}

const NO_HEADERS: readonly RecordHeader[] = Object.freeze([]);

interface RecordCursor extends ByteCursor {
  buffer: Buffer;
}

/**
 * The records one fetch returned for one partition, handed out a few at a
 * time by poll() (Kafka's CompletedFetch). Batches are found by their length
 * fields alone; a batch is checked (header, CRC with check.crcs) and, when
 * compressed, inflated only when poll() reaches it. Records are read straight
 * into ConsumerRecords, one at a time: keys, values and header values are
 * slices of the response (or of the inflated records), never copies.
 *
 * Control batches, records before the fetch position and (read_committed)
 * aborted transactions are skipped; the next fetch offset moves past them.
 */
export class CompletedFetch {
  private readonly batches: RecordBatchView[];
  private batchIndex = 0;
  private currentBatch: RecordBatchView | null = null;
  // The batch being read: its records section, a cursor in it, what is left.
  private readonly cursor: RecordCursor = { buffer: Buffer.alloc(0), position: 0, end: 0 };
  private recordsLeft = 0;
  private recordIndex = 0;
  private baseOffset = 0;
  private baseTimestamp = 0;
  /** The batch's maxTimestamp when it uses LogAppendTime (every record's timestamp then), else null. */
  private logAppendTime: number | null = null;
  private leaderEpoch: number | undefined;
  private timestampType: TimestampTypeName = 'CreateTime';
  private readonly aborted: AbortedTransaction[];
  private abortedIndex = 0;
  private readonly abortedProducers = new Set<number>();
  private cachedError: unknown = null;
  /** The offset after the last record handed out (or skipped): the partition's position once these records are returned. */
  nextFetchOffset: number;
  consumed = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
    /** The position this fetch was sent for; if the position moved meanwhile (seek), the fetch is dropped. */
    readonly fetchOffset: number,
    /** The partition state's seek epoch when the fetch was sent. */
    readonly stateEpoch: number,
    recordBytes: Buffer | null,
    private readonly options: CompletedFetchOptions,
  ) {
    this.nextFetchOffset = fetchOffset;
    this.batches = recordBytes === null || recordBytes.length === 0 ? [] : scanBatches(recordBytes).batches;
    this.aborted = options.readCommitted && options.abortedTransactions ? [...options.abortedTransactions].sort((a, b) => a.firstOffset - b.firstOffset) : [];
  }

  /** Whether the response held any whole batch (an empty fetch says the partition has nothing new). */
  get hasBatches(): boolean {
    return this.batches.length > 0;
  }

  /** The offset after the last whole batch: where the partition's next fetch starts once these records are read. */
  get endOffset(): number {
    const last = this.batches[this.batches.length - 1];
    return last ? Math.max(last.nextOffset, this.fetchOffset) : this.fetchOffset;
  }

  /** The leader epoch of the last batch handed out. */
  get lastEpoch(): number | undefined {
    return this.leaderEpoch;
  }

  /**
   * Appends up to `max` deserialized records to `out` and returns how many.
   * A record that cannot be decoded or deserialized stops the partition at
   * its offset: the records before it are returned, and the error is thrown
   * by the next call (so poll() keeps failing there until the application
   * seeks past it, as Kafka's consumer does).
   */
  take<K, V>(max: number, keys: Deserializer<K>, values: Deserializer<V>, out: ConsumerRecord<K, V>[]): number {
    if (this.cachedError !== null) {
      this.consumed = true;
      throw this.cachedError;
    }
    const topic = this.topic;
    const partition = this.partition;
    const cursor = this.cursor;
    let taken = 0;
    try {
      while (taken < max) {
        if (this.recordsLeft === 0) {
          if (this.currentBatch !== null) {
            if (cursor.position !== cursor.end) {
              throw new CorruptRecordError(
                `${cursor.end - cursor.position} bytes of records follow the last of recordCount ${this.currentBatch.recordCount} records`,
              );
            }
            const batchEnd = this.currentBatch.nextOffset;
            if (batchEnd > this.nextFetchOffset) this.nextFetchOffset = batchEnd;
            this.currentBatch = null;
          }
          if (!this.nextBatch()) {
            this.consumed = true;
            break;
          }
          continue;
        }
        // One record: length, attributes, timestampDelta, offsetDelta, key, value, headers.
        this.recordsLeft--;
        const index = this.recordIndex++;
        const end = this.cursor.end;
        if (cursor.position === end) throw new CorruptRecordError(`recordCount is ${this.currentBatch!.recordCount} but the records end after ${index}`);
        const length = readVarint(cursor, 'length');
        if (length < MIN_RECORD_SIZE - 1 || length > end - cursor.position)
          throw new CorruptRecordError(`record ${index}: length ${length} does not fit the batch`);
        const recordEnd = cursor.position + length;
        cursor.end = recordEnd;
        cursor.position++; // attributes: none are defined for records
        const timestampDelta = readVarlong(cursor, 'timestampDelta');
        const offset = this.baseOffset + readVarint(cursor, 'offsetDelta');
        if (offset < this.nextFetchOffset) {
          cursor.position = recordEnd;
          cursor.end = end;
          continue;
        }
        const buffer = cursor.buffer;
        const keyLength = readVarint(cursor, 'key length');
        let key: Buffer | null = null;
        if (keyLength >= 0) {
          if (keyLength > recordEnd - cursor.position) throw new CorruptRecordError(`record ${index}: key length ${keyLength} runs past the record`);
          key = buffer.subarray(cursor.position, (cursor.position += keyLength));
        } else if (keyLength !== -1) throw new CorruptRecordError(`record ${index}: key length ${keyLength} is negative`);
        const valueLength = readVarint(cursor, 'value length');
        let value: Buffer | null = null;
        if (valueLength >= 0) {
          if (valueLength > recordEnd - cursor.position) throw new CorruptRecordError(`record ${index}: value length ${valueLength} runs past the record`);
          value = buffer.subarray(cursor.position, (cursor.position += valueLength));
        } else if (valueLength !== -1) throw new CorruptRecordError(`record ${index}: value length ${valueLength} is negative`);
        const headerCount = readVarint(cursor, 'header count');
        let headers = NO_HEADERS;
        if (headerCount !== 0) headers = this.readHeaders(headerCount, recordEnd, index);
        if (cursor.position !== recordEnd) throw new CorruptRecordError(`record ${index}: length ${length} leaves ${recordEnd - cursor.position} bytes unread`);
        cursor.end = end;

        let k: K;
        let v: V;
        try {
          k = keys.deserialize(topic, key, headers);
          v = values.deserialize(topic, value, headers);
        } catch (e) {
          throw new RecordDeserializationError(topic, partition, offset, e);
        }
        out.push({
          topic,
          partition,
          offset,
          timestamp: this.logAppendTime ?? this.baseTimestamp + timestampDelta,
          timestampType: this.timestampType,
          key: k,
          value: v,
          headers,
          leaderEpoch: this.leaderEpoch,
          serializedKeySize: keyLength,
          serializedValueSize: valueLength,
        });
        this.nextFetchOffset = offset + 1;
        taken++;
      }
    } catch (error) {
      this.recordsLeft = 0;
      this.batchIndex = this.batches.length;
      this.currentBatch = null;
      const e =
        error instanceof CorruptRecordError
          ? new CorruptRecordError(`${this.topic}-${this.partition} at offset ${this.nextFetchOffset}: ${error.message}`, { cause: error })
          : error;
      if (taken === 0) {
        this.consumed = true;
        throw e;
      }
      this.cachedError = e;
    }
    return taken;
  }

  private readHeaders(count: number, recordEnd: number, index: number): RecordHeader[] {
    const cursor = this.cursor;
    // Each header takes at least two bytes (key and value lengths).
    if (count < 0 || count > (recordEnd - cursor.position) / 2) throw new CorruptRecordError(`record ${index}: header count ${count} cannot fit in the record`);
    const buffer = cursor.buffer;
    const headers: RecordHeader[] = new Array(count);
    for (let h = 0; h < count; h++) {
      const keyLength = readVarint(cursor, 'header key length');
      if (keyLength < 0 || keyLength > recordEnd - cursor.position)
        throw new CorruptRecordError(`record ${index}: header ${h} key length ${keyLength} is invalid`);
      const headerKey = buffer.toString('utf8', cursor.position, (cursor.position += keyLength));
      const valueLength = readVarint(cursor, 'header value length');
      let headerValue: Buffer | null = null;
      if (valueLength >= 0) {
        if (valueLength > recordEnd - cursor.position)
          throw new CorruptRecordError(`record ${index}: header ${h} value length ${valueLength} runs past the record`);
        headerValue = buffer.subarray(cursor.position, (cursor.position += valueLength));
      } else if (valueLength !== -1) throw new CorruptRecordError(`record ${index}: header ${h} value length ${valueLength} is negative`);
      headers[h] = { key: headerKey, value: headerValue };
    }
    return headers;
  }

  /** Moves to the next batch with records to hand out; false when none is left. */
  private nextBatch(): boolean {
    while (this.batchIndex < this.batches.length) {
      const batch = this.batches[this.batchIndex++]!;
      const batchEnd = batch.nextOffset;
      if (batchEnd <= this.nextFetchOffset) continue;
      if (this.options.readCommitted && batch.producerId >= 0) {
        // Transactions aborted that begin at or before this batch: their producers' batches are skipped until the ABORT
        // marker. Taken before the marker itself is looked at, as Java's CompletedFetch does: a fetch may start at it.
        while (this.abortedIndex < this.aborted.length && this.aborted[this.abortedIndex]!.firstOffset <= batch.lastOffset) {
          this.abortedProducers.add(this.aborted[this.abortedIndex++]!.producerId);
        }
        if (batch.isControl) this.onControlBatch(batch);
        else if (batch.isTransactional && this.abortedProducers.has(batch.producerId)) {
          this.nextFetchOffset = batchEnd;
          continue;
        }
      }
      if (batch.isControl) {
        this.nextFetchOffset = batchEnd;
        continue;
      }
      this.open(batch);
      if (this.recordsLeft === 0) {
        this.currentBatch = null;
        this.nextFetchOffset = Math.max(this.nextFetchOffset, batchEnd);
        continue;
      }
      return true;
    }
    return false;
  }

  /** Checks a batch and points the cursor at its (inflated) records. */
  private open(batch: RecordBatchView): void {
    if (this.options.checkCrcs) batch.validate();
    else batch.validateStructure();
    const count = batch.recordCount;
    let bytes = batch.recordsBytes;
    if (batch.compression !== CompressionType.None) {
      bytes = codecFor(batch.compression).decompress(bytes);
      if (count > bytes.length / MIN_RECORD_SIZE)
        throw new CorruptRecordError(`recordCount ${count} cannot fit in ${bytes.length} bytes of decompressed records`);
    }
    this.currentBatch = batch;
    this.cursor.buffer = bytes;
    this.cursor.position = 0;
    this.cursor.end = bytes.length;
    this.recordsLeft = count;
    this.recordIndex = 0;
    this.baseOffset = batch.baseOffset;
    this.baseTimestamp = batch.baseTimestamp;
    // With LogAppendTime every record's timestamp is the batch's maxTimestamp.
    const logAppend = batch.timestampType === TimestampType.LogAppendTime;
    this.logAppendTime = logAppend ? batch.maxTimestamp : null;
    this.timestampType = logAppend ? 'LogAppendTime' : 'CreateTime';
    const epoch = batch.partitionLeaderEpoch;
    this.leaderEpoch = epoch >= 0 ? epoch : undefined;
  }

  /** An ABORT marker ends its producer's aborted transaction. */
  private onControlBatch(batch: RecordBatchView): void {
    for (const record of decodeRecords(batch, { verifyCrc: this.options.checkCrcs })) {
      if (readControlRecordType(record.key) === ControlRecordType.Abort) this.abortedProducers.delete(batch.producerId);
      break;
    }
  }
}
