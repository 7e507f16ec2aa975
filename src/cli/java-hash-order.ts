// The iteration order of a Java HashMap, for printing JSON exactly as Kafka's
// tools do when they build it from HashMaps (Jackson writes entries in the
// map's order): entries go by bucket of the final table, then by insertion.

import { javaStringHashCode } from '../broker/group/java-hash.js';

export { javaStringHashCode as javaStringHash };

/** Java's TopicPartition.hashCode. */
export function javaTopicPartitionHash(topic: string, partition: number): number {
  return (Math.imul(31, (31 + partition) | 0) + javaStringHashCode(topic)) | 0;
}

/** The entries in the order a HashMap filled with them in this order iterates them (no tree bins: few entries per bucket). */
export function javaHashMapOrder<T>(entries: readonly T[], hashOf: (entry: T) => number): T[] {
  let capacity = 16;
  while (entries.length > capacity * 0.75) capacity *= 2;
  const bucket = (e: T) => {
    const h = hashOf(e);
    return (h ^ (h >>> 16)) & (capacity - 1);
  };
  return entries
    .map((e, i) => ({ e, i, b: bucket(e) }))
    .sort((x, y) => x.b - y.b || x.i - y.i)
    .map((x) => x.e);
}
