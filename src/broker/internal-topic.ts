import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { AppendOrigin } from '../../storage/log/append-origin.js';
import type { TransactionVerifier } from '../../storage/log/producer-state.js';
import { type LogRecord, readAllRecords } from '../../storage/record/record.js';
import { buildRecordBatch, type RecordBatchOptions, type RecordInput } from '../../storage/record/record-batch-builder.js';
import { scanBatches } from '../../storage/record/record-batch-scan.js';
import type { RecordBatchView } from '../../storage/record/record-batch-view.js';
import { ErrorCode, errorName, KafkaError } from '../protocol/error-codes.js';
import { javaStringHashCode, kafkaAbs } from './group/java-hash.js';
import type { Topics } from './metadata/topics.js';
import type { Partition } from './replica/partition.js';
import type { ReplicaManager } from './replica/replica-manager.js';

export interface InternalTopicSettings {
  name: string;
  partitions: number;
  /** Capped by the live brokers when the topic is created. */
  replicationFactor: number;
  /** The topic's configs beyond cleanup.policy=compact (segment.bytes, …), for the replication factor it is created with. */
  configs: (replicationFactor: number) => Record<string, string>;
  /** Kafka's codec id (0 none … 4 zstd) of the batches written. */
  compressionCodec: number;
  /** Bytes read at a time when a coordinator loads a partition. */
  loadBufferSize: number;
  /** How long a write waits for the in-sync replicas. */
  writeTimeoutMs: number;
}

/** A record read back from an internal topic, with the batch it came in (a coordinator replaying transactions needs its producer and control flag). */
export interface LoadedRecord {
  readonly batch: RecordBatchView;
  readonly record: LogRecord;
}

/**
 * A compacted topic a coordinator keeps its state in (__consumer_offsets,
 * __transaction_state): created on first use with the coordinator's
 * settings, its keys spread over partitions by Java's String.hashCode as
 * Kafka's coordinators do, written through the partitions' logs as acks=all
 * produces, read back whole when a coordinator loads a partition it now leads.
 */
export class InternalTopic {
  private creating: Promise<void> | undefined;

  constructor(
    private readonly topics: Topics,
    private readonly replicas: ReplicaManager,
    private readonly liveBrokerCount: () => number,
    readonly settings: InternalTopicSettings,
  ) {}

  get name(): string {
    return this.settings.name;
  }

  /** The partition count: the existing topic's, else the configured one. */
  get partitionCount(): number {
    return this.topics.get(this.name)?.replicas.length ?? this.settings.partitions;
  }

  /** The partition holding a key (group id, transactional id), as Kafka computes it. */
  partitionFor(key: string): number {
    return kafkaAbs(javaStringHashCode(key)) % this.partitionCount;
  }

  get exists(): boolean {
    return this.topics.get(this.name) !== undefined;
  }

  /** While this broker creates the topic: it exists, its partitions are not all open yet. */
  get isBeingCreated(): boolean {
    return this.creating !== undefined;
  }

  /** The log partition, if this broker hosts it. */
  partition(index: number): Partition | undefined {
    return this.replicas.getPartition(this.name, index);
  }

  /** The replication factor the topic is created with: the configured one, at most the live brokers. */
  get effectiveReplicationFactor(): number {
    return Math.max(1, Math.min(this.settings.replicationFactor, this.liveBrokerCount()));
  }

  /** Creates the topic unless it exists (once, however many callers ask at the same time). */
  ensure(): Promise<void> {
    if (this.exists) return Promise.resolve();
    this.creating ??= (async () => {
      try {
        if (this.exists) return;
        const replicationFactor = this.effectiveReplicationFactor;
        await this.topics.create(
          {
            name: this.name,
            numPartitions: this.settings.partitions,
            replicationFactor,
            assignments: [],
            configs: { 'cleanup.policy': 'compact', ...this.settings.configs(replicationFactor) },
          },
          true,
        );
      } finally {
        this.creating = undefined;
      }
    })();
    return this.creating;
  }

  /**
   * Appends records to one partition as one batch (`batch` sets producer
   * fields for a transactional write, which `verifyTransaction` lets start a
   * transaction, KIP-890), acks=all. Throws KafkaError with the log's error
   * code; resolves with the batch's last offset.
   */
  async append(index: number, records: RecordInput[], batch: RecordBatchOptions = {}, verifyTransaction?: TransactionVerifier): Promise<number> {
    await this.ensure();
    const partition = this.partition(index);
    if (!partition) throw new KafkaError(ErrorCode.NOT_LEADER_OR_FOLLOWER, `${this.name}-${index} is not hosted by this broker`);
    const now = Date.now();
    const info = await partition.appendAsLeader(
      buildRecordBatch(records, { now, compression: this.settings.compressionCodec, ...batch }),
      -1,
      AppendOrigin.Coordinator,
      verifyTransaction,
    );
    // A coordinator's write counts once every in-sync replica has it (Kafka's required acks -1 for its internal topics).
    const code = await partition.waitForReplication(info.lastOffset + 1, this.settings.writeTimeoutMs);
    if (code !== ErrorCode.NONE) throw new KafkaError(code, `${this.name}-${index}: ${errorName(code)} while waiting for the in-sync replicas`);
    return info.lastOffset;
  }

  /**
   * Every record of one partition, in offset order, control records
   * included, up to its log end as Kafka's coordinators load: a new leader's
   * high watermark may still lag what it has, and everything a leader has
   * stays (a leader is never truncated). A batch that cannot be read (bad
   * CRC, records that do not decode: bytes a client once produced here, or
   * damage on disk) is passed to `unreadable` and skipped, so one bad batch
   * costs only its own records; where the batches' framing itself is broken,
   * nothing after it can be found and reading stops there.
   */
  async *read(index: number, unreadable: (offset: number, error: Error) => void): AsyncGenerator<LoadedRecord> {
    const partition = this.partition(index);
    if (!partition) return;
    let offset = partition.logStartOffset;
    const end = partition.logEndOffset;
    let warnedAt = -1;
    while (offset < end) {
      const before = offset;
      let batches: RecordBatchView[];
      try {
        // Never released: the records yielded are slices of these bytes, and what a coordinator loads from them may keep some.
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
          records = readAllRecords(batch, { verifyCrc: false });
        } catch (e) {
          // A batch skipped at the end of one read comes back first in the next: warned about once.
          if (batch.baseOffset !== warnedAt) unreadable(batch.baseOffset, e as Error);
          warnedAt = batch.baseOffset;
          // The next batch's start says where this one ends; a header failing its CRC cannot.
          const next = batches[i + 1]?.baseOffset ?? (batch.isValidCrc() ? batch.nextOffset : batch.baseOffset + 1);
          offset = Math.max(offset, next);
          continue;
        }
        for (const record of records) if (record.offset >= offset) yield { batch, record };
        offset = Math.max(offset, batch.nextOffset);
      }
      if (offset === before) return; // nothing more can be read
    }
  }
}
