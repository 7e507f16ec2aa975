import { CorruptRecordError } from '../../../codecs/corrupt-record-error.js';
import { AppendOrigin } from '../../../storage/log/append-origin.js';
import { scanBatches } from '../../../storage/record/record-batch-scan.js';
import type { RecordBatchView } from '../../../storage/record/record-batch-view.js';
import { buildRecordBatch, type RecordInput } from '../../../storage/record/record-batch-builder.js';
import { readAllRecords, type LogRecord } from '../../../storage/record/record.js';
import { ErrorCode, errorName, KafkaError } from '../../protocol/error-codes.js';
import type { Topics } from '../metadata/topics.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { Partition } from '../replica/partition.js';
import { offsetsPartitionFor } from './java-hash.js';

export const OFFSETS_TOPIC = '__consumer_offsets';

export interface OffsetsTopicSettings {
  partitions: number;
  replicationFactor: number;
  segmentBytes: number;
  /** offsets.topic.compression.codec: Kafka's codec id (0 none … 4 zstd). */
  compressionCodec: number;
  loadBufferSize: number;
  /** offsets.commit.timeout.ms: how long a write waits for the in-sync replicas. */
  commitTimeoutMs: number;
}

/** How much of each index a __consumer_offsets segment can fill (segment.bytes / index.interval.bytes entries); more would only be preallocated. */
const OFFSETS_INDEX_BYTES = 1024 * 1024;

/**
 * The internal compacted topic that makes groups and offsets durable: created
 * on first write with Kafka's settings, written through the partitions' logs
 * like any produce, read back whole when the coordinator loads.
 */
export class OffsetsTopic {
  private creating: Promise<void> | undefined;

  constructor(
    private readonly topics: Topics,
    private readonly replicas: ReplicaManager,
    private readonly liveBrokerCount: () => number,
    readonly settings: OffsetsTopicSettings,
  ) {}

  /** The partition count: the existing topic's, else offsets.topic.num.partitions. */
  get partitionCount(): number {
    return this.topics.get(OFFSETS_TOPIC)?.replicas.length ?? this.settings.partitions;
  }

  partitionFor(groupId: string): number {
    return offsetsPartitionFor(groupId, this.partitionCount);
  }

  get exists(): boolean {
    return this.topics.get(OFFSETS_TOPIC) !== undefined;
  }

  /** The log partition of a group, if this broker hosts it. */
  partition(index: number): Partition | undefined {
    return this.replicas.getPartition(OFFSETS_TOPIC, index);
  }

  /** Creates the topic unless it exists (once, however many callers ask at the same time). */
  ensure(): Promise<void> {
    if (this.exists) return Promise.resolve();
    this.creating ??= (async () => {
      try {
        if (this.exists) return;
        await this.topics.create(
          {
            name: OFFSETS_TOPIC,
            numPartitions: this.settings.partitions,
            replicationFactor: Math.max(1, Math.min(this.settings.replicationFactor, this.liveBrokerCount())),
            assignments: [],
            configs: {
              'cleanup.policy': 'compact',
              'segment.bytes': String(this.settings.segmentBytes),
              'compression.type': 'producer',
              'segment.index.bytes': String(OFFSETS_INDEX_BYTES),
            },
          },
          true,
        );
      } finally {
        this.creating = undefined;
      }
    })();
    return this.creating;
  }

  /** Appends records for a group as one batch, acks=all. Throws KafkaError with the log's error code. */
  async append(groupId: string, records: RecordInput[]): Promise<void> {
    if (records.length === 0) return;
    await this.ensure();
    const index = this.partitionFor(groupId);
    const partition = this.partition(index);
    if (!partition) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${OFFSETS_TOPIC}-${index} is not hosted by this broker`);
    const now = Date.now();
    const info = await partition.appendAsLeader(buildRecordBatch(records, { now, compression: this.settings.compressionCodec }), -1, AppendOrigin.Coordinator);
    // As Kafka's offsets.commit.required.acks=-1: a write counts once every in-sync replica has it.
    const code = await partition.waitForReplication(info.lastOffset + 1, this.settings.commitTimeoutMs);
    if (code !== ErrorCode.NONE) throw new KafkaError(code, `${OFFSETS_TOPIC}-${index}: ${errorName(code)} while waiting for the in-sync replicas`);
  }

  /**
   * Every record of one partition up to its high watermark, in offset order
   * (control batches skipped). A batch that cannot be read (bad CRC, records
   * that do not decode: bytes a client once produced here, or damage on disk)
   * is passed to `unreadable` and skipped, so one bad batch costs only its own
   * records; where the batches' framing itself is broken, nothing after it can
   * be found and reading stops there.
   */
  async *read(index: number, unreadable: (offset: number, error: Error) => void): AsyncGenerator<LogRecord> {
    const partition = this.partition(index);
    if (!partition) return;
    let offset = partition.logStartOffset;
    const end = partition.highWatermark;
    let warnedAt = -1;
    while (offset < end) {
      const before = offset;
      let batches: RecordBatchView[];
      try {
        // Never released: the records yielded are slices of these bytes, and the groups loaded from them may keep some.
        const { bytes } = await partition.read(offset, this.settings.loadBufferSize, end);
        batches = scanBatches(bytes).batches;
      } catch (e) {
        if (!(e instanceof CorruptRecordError)) throw e;
        unreadable(offset, e);
        return;
      }
      for (let i = 0; i < batches.length; i++) {
        const batch = batches[i]!;
        let records: LogRecord[];
        try {
          batch.validate();
          records = batch.isControl ? [] : readAllRecords(batch, { verifyCrc: false });
        } catch (e) {
          // A batch skipped at the end of one read comes back first in the next: warned about once.
          if (batch.baseOffset !== warnedAt) unreadable(batch.baseOffset, e as Error);
          warnedAt = batch.baseOffset;
          // The next batch's start says where this one ends; a header failing its CRC cannot.
          const next = batches[i + 1]?.baseOffset ?? (batch.isValidCrc() ? batch.nextOffset : batch.baseOffset + 1);
          offset = Math.max(offset, next);
          continue;
        }
        for (const record of records) if (record.offset >= offset) yield record;
        offset = Math.max(offset, batch.nextOffset);
      }
      if (offset === before) return; // nothing more can be read
    }
  }
}
