import { InternalTopic } from '../internal-topic.js';
import type { Topics } from '../metadata/topics.js';
import type { ReplicaManager } from '../replica/replica-manager.js';

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

/** The internal compacted topic that makes groups and offsets durable. */
export type OffsetsTopic = InternalTopic;

/** __consumer_offsets with the broker's offsets.topic.* settings: created on first write, read back whole when the coordinator loads a partition. */
export function offsetsTopic(topics: Topics, replicas: ReplicaManager, liveBrokerCount: () => number, settings: OffsetsTopicSettings): OffsetsTopic {
  return new InternalTopic(topics, replicas, liveBrokerCount, {
    name: OFFSETS_TOPIC,
    partitions: settings.partitions,
    replicationFactor: settings.replicationFactor,
    configs: () => ({ 'segment.bytes': String(settings.segmentBytes), 'compression.type': 'producer', 'segment.index.bytes': String(OFFSETS_INDEX_BYTES) }),
    compressionCodec: settings.compressionCodec,
    loadBufferSize: settings.loadBufferSize,
    writeTimeoutMs: settings.commitTimeoutMs,
  });
}
