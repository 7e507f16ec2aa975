/** One partition of one topic (Kafka's TopicPartition), as every client and the CLI name it. */
export interface TopicPartition {
  readonly topic: string;
  readonly partition: number;
}

/** A map key for a partition: topic names cannot hold ':' (Kafka's legal characters are [a-zA-Z0-9._-]). */
export function tpKey(topic: string, partition: number): string {
  return `${topic}:${partition}`;
}

/** `topic-partition`, as Kafka's TopicPartition prints itself. */
export function partitionName(tp: TopicPartition): string {
  return `${tp.topic}-${tp.partition}`;
}

/** Java's String.compareTo order (UTF-16 code units), not the locale's. */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
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
  for (const topic of [...byTopic.keys()].sort(compareStrings))
    sorted.set(
      topic,
      byTopic.get(topic)!.sort((x, y) => x - y),
    );
  return sorted;
}
