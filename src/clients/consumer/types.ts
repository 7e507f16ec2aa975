import type { TopicPartition } from '../../protocol/topic-partition.js';

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

/** A partition with an offset: what commits take and committed() returns. */
export interface TopicPartitionOffset extends TopicPartition {
  readonly offset: number;
  readonly metadata?: string | null;
  readonly leaderEpoch?: number;
}
