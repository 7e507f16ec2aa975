import { ControlRecordType, readControlRecordType } from '../../../storage/record/control-record.js';
import { TimestampType } from '../../../storage/record/record-batch-layout.js';
import { scanBatches } from '../../../storage/record/record-batch-scan.js';
import type { RecordBatchView } from '../../../storage/record/record-batch-view.js';
import { decodeRecords, type LogRecord } from '../../../storage/record/record.js';
import type { ConsumerRecord } from './consumer-records.js';
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

/**
 * The records one fetch returned for one partition, handed out a few at a
 * time by poll() (Kafka's CompletedFetch). Batches are found by their length
 * fields alone; a batch's records are decoded (decompressed, CRC-checked)
 * only when poll() reaches it, and keys, values and header values stay
 * slices of the response: nothing is copied unless a codec must inflate it.
 *
 * Control batches, batches before the fetch position and (read_committed)
 * aborted transactions are skipped; the next fetch offset moves past them.
 */
export class CompletedFetch {
  private readonly batches: RecordBatchView[];
  private batchIndex = 0;
  private currentBatch: RecordBatchView | null = null;
  private records: Iterator<LogRecord> | null = null;
  private leaderEpoch: number | undefined;
  private timestampType: 'CreateTime' | 'LogAppendTime' = 'CreateTime';
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
    let taken = 0;
    try {
      while (taken < max) {
        if (this.records === null) {
          if (!this.nextBatch()) {
            this.consumed = true;
            break;
          }
          continue;
        }
        const next = this.records.next();
        if (next.done) {
          this.records = null;
          const batchEnd = this.currentBatch!.nextOffset;
          if (batchEnd > this.nextFetchOffset) this.nextFetchOffset = batchEnd;
          continue;
        }
        const r = next.value;
        if (r.offset < this.nextFetchOffset) continue;
        const headers = r.headers;
        let key: K;
        let value: V;
        try {
          key = keys.deserialize(topic, r.key, headers);
          value = values.deserialize(topic, r.value, headers);
        } catch (e) {
          throw new RecordDeserializationError(topic, partition, r.offset, e);
        }
        const record: ConsumerRecord<K, V> = {
          topic,
          partition,
          offset: r.offset,
          timestamp: r.timestamp,
          timestampType: this.timestampType,
          key,
          value,
          headers,
          leaderEpoch: this.leaderEpoch,
          serializedKeySize: r.key === null ? -1 : r.key.length,
          serializedValueSize: r.value === null ? -1 : r.value.length,
        };
        out.push(record);
        this.nextFetchOffset = r.offset + 1;
        taken++;
      }
    } catch (error) {
      this.records = null;
      if (taken === 0) {
        this.consumed = true;
        throw error;
      }
      this.cachedError = error;
    }
    return taken;
  }

  /** Moves to the next batch with records to hand out; false when none is left. */
  private nextBatch(): boolean {
    while (this.batchIndex < this.batches.length) {
      const batch = this.batches[this.batchIndex++]!;
      this.currentBatch = batch;
      const batchEnd = batch.nextOffset;
      if (batchEnd <= this.nextFetchOffset) continue;
      if (this.options.readCommitted && batch.isTransactional) {
        if (batch.isControl) {
          this.onControlBatch(batch);
          this.nextFetchOffset = batchEnd;
          continue;
        }
        while (this.abortedIndex < this.aborted.length && this.aborted[this.abortedIndex]!.firstOffset <= batch.lastOffset) {
          this.abortedProducers.add(this.aborted[this.abortedIndex++]!.producerId);
        }
        if (this.abortedProducers.has(batch.producerId)) {
          this.nextFetchOffset = batchEnd;
          continue;
        }
      }
      if (batch.isControl) {
        this.nextFetchOffset = batchEnd;
        continue;
      }
      const epoch = batch.partitionLeaderEpoch;
      this.leaderEpoch = epoch >= 0 ? epoch : undefined;
      this.timestampType = batch.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
      this.records = decodeRecords(batch, { verifyCrc: this.options.checkCrcs });
      return true;
    }
    return false;
  }

  /** An ABORT marker ends its producer's aborted transaction. */
  private onControlBatch(batch: RecordBatchView): void {
    for (const record of decodeRecords(batch, { verifyCrc: this.options.checkCrcs })) {
      if (readControlRecordType(record.key) === ControlRecordType.Abort) this.abortedProducers.delete(batch.producerId);
      break;
    }
  }
}
