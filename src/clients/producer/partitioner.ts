import type { Cluster } from '../network/cluster.js';
import { partitionForKey } from './murmur2.js';

/**
 * Kafka's Partitioner: chooses the partition of a record that does not name
 * one. `onNewBatch` is KIP-480's hook: the producer calls it when a record
 * would start a new batch, so a sticky partitioner can move on.
 */
export interface Partitioner {
  partition(topic: string, key: unknown, keyBytes: Uint8Array | null, value: unknown, valueBytes: Uint8Array | string | null, cluster: Cluster): number;
  onNewBatch?(topic: string, cluster: Cluster, prevPartition: number): void;
  close?(): void;
}

export type PartitionerClass = new () => Partitioner;

function randomInt(bound: number): number {
  return Math.floor(Math.random() * bound);
}

/**
 * KIP-480's sticky partition per topic: records without a key go to one
 * partition until a batch there is done, then to another chosen at random
 * among those with a leader.
 */
export class StickyPartitionCache {
  private readonly current = new Map<string, number>();

  partition(topic: string, cluster: Cluster): number {
    return this.current.get(topic) ?? this.nextPartition(topic, cluster, -1);
  }

  nextPartition(topic: string, cluster: Cluster, prevPartition: number): number {
    const old = this.current.get(topic);
    if (old !== undefined && old !== prevPartition) return old;
    const available = cluster.availablePartitionsFor(topic);
    let next: number;
    if (available.length === 0) next = randomInt(cluster.partitionsFor(topic)?.length ?? 1);
    else if (available.length === 1) next = available[0]!.partition;
    else {
      do next = available[randomInt(available.length)]!.partition;
      while (next === old);
    }
    this.current.set(topic, next);
    return next;
  }
}

/**
 * The default: a keyed record goes to toPositive(murmur2(keyBytes)) % partitions
 * (the Java client's and librdkafka's murmur2 partitioner, so the same key lands
 * in the same partition from any of them); a record without a key goes to the
 * sticky partition (KIP-480).
 */
export class DefaultPartitioner implements Partitioner {
  private readonly sticky = new StickyPartitionCache();

  partition(topic: string, _key: unknown, keyBytes: Uint8Array | null, _value: unknown, _valueBytes: unknown, cluster: Cluster): number {
    if (keyBytes === null) return this.sticky.partition(topic, cluster);
    return partitionForKey(keyBytes, cluster.partitionsFor(topic)!.length);
  }

  onNewBatch(topic: string, cluster: Cluster, prevPartition: number): void {
    this.sticky.nextPartition(topic, cluster, prevPartition);
  }
}

/** Sticky for every record, keyed or not (Kafka's UniformStickyPartitioner). */
export class UniformStickyPartitioner implements Partitioner {
  private readonly sticky = new StickyPartitionCache();

  partition(topic: string, _key: unknown, _keyBytes: unknown, _value: unknown, _valueBytes: unknown, cluster: Cluster): number {
    return this.sticky.partition(topic, cluster);
  }

  onNewBatch(topic: string, cluster: Cluster, prevPartition: number): void {
    this.sticky.nextPartition(topic, cluster, prevPartition);
  }
}

/** Each record to the next partition with a leader, in turn (Kafka's RoundRobinPartitioner). */
export class RoundRobinPartitioner implements Partitioner {
  private readonly counters = new Map<string, number>();

  partition(topic: string, _key: unknown, _keyBytes: unknown, _value: unknown, _valueBytes: unknown, cluster: Cluster): number {
    const n = this.counters.get(topic) ?? 0;
    this.counters.set(topic, (n + 1) & 0x7fffffff);
    const available = cluster.availablePartitionsFor(topic);
    if (available.length > 0) return available[n % available.length]!.partition;
    return n % cluster.partitionsFor(topic)!.length;
  }
}

export function resolvePartitioner(setting: Partitioner | PartitionerClass | null): Partitioner {
  if (setting === null) return new DefaultPartitioner();
  return typeof setting === 'function' ? new setting() : setting;
}
