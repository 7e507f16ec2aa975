// Topic partitions as Kafka's tools print and sort them, and a map keyed by them.
import type { TopicPartition } from '../clients/admin/types.js';

export type { TopicPartition };

/** `topic-partition`, as Kafka's TopicPartition prints itself. */
export function partitionName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

function tpKey(tp: TopicPartition): string {
  return `${tp.topic}\u0000${tp.partition}`;
}

/** A map keyed by topic partition. */
export class PartitionMap<V> {
  private readonly entries = new Map<string, { tp: TopicPartition; value: V }>();

  set(tp: TopicPartition, value: V): this {
    this.entries.set(tpKey(tp), { tp: { topic: tp.topic, partition: tp.partition }, value });
    return this;
  }

  get(tp: TopicPartition): V | undefined {
    return this.entries.get(tpKey(tp))?.value;
  }

  has(tp: TopicPartition): boolean {
    return this.entries.has(tpKey(tp));
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
