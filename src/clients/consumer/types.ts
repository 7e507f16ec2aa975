/** One partition of one topic, as the consumer names it (Kafka's TopicPartition). */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A committed offset with its optional metadata string (Kafka's OffsetAndMetadata). */
export interface OffsetAndMetadata {
  readonly offset: number;
  readonly metadata?: string | null;
  readonly leaderEpoch?: number;
}

/** What offsetsForTimes finds for one partition (Kafka's OffsetAndTimestamp). */
export interface OffsetAndTimestamp {
  readonly offset: number;
  readonly timestamp: number;
  readonly leaderEpoch?: number;
}

/** A map key for a partition: topic names cannot hold ':' (Kafka's legal characters are [a-zA-Z0-9._-]). */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

export function parseTpKey(key: string): TopicPartition {
  const at = key.lastIndexOf(':');
  return { topic: key.slice(0, at), partition: Number(key.slice(at + 1)) };
}

/** Orders partitions by topic (UTF-16 code units, as Java's String.compareTo), then partition number. */
export function compareTopicPartitions(a: TopicPartition, b: TopicPartition): number {
  if (a.topic !== b.topic) return a.topic < b.topic ? -1 : 1;
  return a.partition - b.partition;
}

/** Groups partitions by topic, topics and partitions sorted. */
export function groupByTopic(partitions: Iterable<TopicPartition>): Map<string, number[]> {
  const byTopic = new Map<string, number[]>();
  for (const tp of partitions) {
    let list = byTopic.get(tp.topic);
    if (!list) byTopic.set(tp.topic, (list = []));
    list.push(tp.partition);
  }
  const sorted = new Map<string, number[]>();
  for (const topic of [...byTopic.keys()].sort(compareStrings)) sorted.set(topic, byTopic.get(topic)!.sort((x, y) => x - y));
  return sorted;
}

/** Java's String.compareTo order (UTF-16 code units), not the locale's. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** A partition with an offset: what commits take and committed() returns. */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
  readonly metadata?: string | null;
  readonly leaderEpoch?: number;
}
