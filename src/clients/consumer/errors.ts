import { KafkaClientError } from '../network/errors.js';

/**
 * A commit the group refused because this member is no longer part of the
 * generation it committed for (Java's CommitFailedException): the group
 * rebalanced and the partitions may now belong to another member.
 */
export class CommitFailedError extends KafkaClientError {
  constructor(
    message = 'Commit cannot be completed since the group has already rebalanced and assigned the partitions to another member. ' +
      'This means that the time between subsequent calls to poll() was longer than the configured max.poll.interval.ms, ' +
      'which typically implies that the poll loop is spending too much time message processing.',
  ) {
    super(message, { retriable: false });
  }
}

/** A commit attempted while the group rebalances (Java's RebalanceInProgressException); commit again after the next poll(). */
export class RebalanceInProgressCommitError extends KafkaClientError {
  constructor(message = 'Offset commit cannot be completed since the consumer is undergoing a rebalance for auto partition assignment.') {
    super(message, { retriable: false, errorCode: 27 });
  }
}

/** A partition has no committed offset and auto.offset.reset is none (Java's NoOffsetForPartitionException). */
export class NoOffsetForPartitionError extends KafkaClientError {
  constructor(readonly partitions: ReadonlyArray<{ topic: string; partition: number }>) {
    super(`Undefined offset with no reset policy for partitions: ${partitions.map((p) => `${p.topic}-${p.partition}`).join(', ')}`);
  }
}

/** The position is outside the log and auto.offset.reset is none (Java's OffsetOutOfRangeException). */
export class OffsetOutOfRangeConsumerError extends KafkaClientError {
  constructor(readonly offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>) {
    super(`Offsets out of range with no configured reset policy for partitions: ${offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`).join(', ')}`, {
      errorCode: 1,
    });
  }
}

/** poll() was interrupted by wakeup() (Java's WakeupException). */
export class WakeupError extends KafkaClientError {
  constructor() {
    super('the consumer was woken up');
  }
}

/** A record that could not be deserialized (Java's RecordDeserializationException): seek past it to go on. */
export class RecordDeserializationError extends KafkaClientError {
  constructor(
    readonly topic: string,
    readonly partition: number,
    readonly offset: number,
    cause: unknown,
  ) {
    super(
      `Error deserializing key/value for partition ${topic}-${partition} at offset ${offset}. If needed, please seek past the record to continue consumption.`,
      { cause },
    );
  }
}

/** A listener or interceptor failed; its error is the cause. */
export class ListenerError extends KafkaClientError {}

/** Where a partition's log diverged from the consumer's position: the first offset known to differ, with its leader epoch. */
export interface DivergentOffset {
  readonly topic: string;
  readonly partition: number;
  /** undefined when the leader could not say (it knows no epoch as old as the position's). */
  readonly offset: number | undefined;
  readonly leaderEpoch: number | undefined;
}

/**
 * The log was truncated below the consumer's position after a leader change (an unclean
 * leader election), found by validating the position with OffsetForLeaderEpoch (KIP-320), and
 * auto.offset.reset is none (Java's LogTruncationException): seek to the divergent offset, or
 * elsewhere, to go on.
 */
export class LogTruncationError extends OffsetOutOfRangeConsumerError {
  constructor(
    offsets: ReadonlyArray<{ topic: string; partition: number; offset: number }>,
    readonly divergentOffsets: readonly DivergentOffset[],
  ) {
    super(offsets);
    this.message = `Truncation detected for partitions ${divergentOffsets.map((d) => `${d.topic}-${d.partition}`).join(', ')}: ${divergentOffsets
      .map(
        (d, i) =>
          `position ${offsets[i]?.offset}, ${d.offset === undefined ? 'divergence unknown' : `log diverges at ${d.offset} (leader epoch ${d.leaderEpoch})`}`,
      )
      .join('; ')}`;
  }
}
