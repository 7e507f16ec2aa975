// A map keyed by topic partition, as Kafka's tools keep their per-partition results.
import { compareTopicPartitions, type TopicPartition, tpKey } from '../protocol/topic-partition.js';

/** A map keyed by topic partition. */
export class PartitionMap<V> {
  private readonly entries = new Map<string, { tp: TopicPartition; value: V }>();

  set(tp: TopicPartition, value: V): this {
    this.entries.set(tpKey(tp.topic, tp.partition), { tp: { topic: tp.topic, partition: tp.partition }, value });
    return this;
  }

  get(tp: TopicPartition): V | undefined {
    return this.entries.get(tpKey(tp.topic, tp.partition))?.value;
  }

  has(tp: TopicPartition): boolean {
    return this.entries.has(tpKey(tp.topic, tp.partition));
  }

  get size(): number {
    return this.entries.size;
  }

  /** Entries sorted by topic, then partition. */
  sorted(): Array<[TopicPartition, V]> {
    return [...this.entries.values()].sort((a, b) => compareTopicPartitions(a.tp, b.tp)).map((e) => [e.tp, e.value]);
  }

  keys(): TopicPartition[] {
    return this.sorted().map(([tp]) => tp);
  }
}
