import type { RecordHeader } from '../../../storage/record/record.js';
import { type TopicPartition, tpKey } from '../../protocol/topic-partition.js';

export type TimestampTypeName = 'CreateTime' | 'LogAppendTime';

/** One record as poll() returns it (Kafka's ConsumerRecord). */
export interface ConsumerRecord<K = Buffer | null, V = Buffer | null> {
  readonly topic: string;
  readonly partition: number;
  readonly offset: number;
  readonly timestamp: number;
  readonly timestampType: TimestampTypeName;
  readonly key: K;
  readonly value: V;
  /** Header values are slices of the fetched bytes (null stays null). */
  readonly headers: readonly RecordHeader[];
  /** The batch's partition leader epoch, or undefined when it carries none. */
  readonly leaderEpoch: number | undefined;
  /** Size of the key/value bytes before deserialization, -1 for null (Kafka's serializedKeySize/serializedValueSize). */
  readonly serializedKeySize: number;
  readonly serializedValueSize: number;
}

/** The records of one poll, grouped by partition in fetch order (Kafka's ConsumerRecords). */
export class ConsumerRecords<K = Buffer | null, V = Buffer | null> implements Iterable<ConsumerRecord<K, V>> {
  static empty<K, V>(): ConsumerRecords<K, V> {
    return new ConsumerRecords<K, V>(new Map());
  }

  private readonly byPartition: Map<string, ConsumerRecord<K, V>[]>;

  constructor(byPartition: Map<string, ConsumerRecord<K, V>[]>) {
    this.byPartition = byPartition;
  }

  get count(): number {
    let n = 0;
    for (const list of this.byPartition.values()) n += list.length;
    return n;
  }

  isEmpty(): boolean {
    return this.count === 0;
  }

  /** The partitions with records in this batch. */
  partitions(): TopicPartition[] {
    const out: TopicPartition[] = [];
    for (const list of this.byPartition.values()) if (list.length > 0) out.push({ topic: list[0]!.topic, partition: list[0]!.partition });
    return out;
  }

  /** The records of one partition, or of one topic. */
  records(partition: TopicPartition): readonly ConsumerRecord<K, V>[];
  records(topic: string): ConsumerRecord<K, V>[];
  records(which: TopicPartition | string): readonly ConsumerRecord<K, V>[] {
    if (typeof which === 'string') {
      const out: ConsumerRecord<K, V>[] = [];
      for (const list of this.byPartition.values()) if (list.length > 0 && list[0]!.topic === which) out.push(...list);
      return out;
    }
    return this.byPartition.get(tpKey(which.topic, which.partition)) ?? [];
  }

  *[Symbol.iterator](): Iterator<ConsumerRecord<K, V>> {
    for (const list of this.byPartition.values()) yield* list;
  }

  /** Every record, in order. */
  toArray(): ConsumerRecord<K, V>[] {
    return [...this];
  }
}
