import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { OffsetForLeaderEpochRequest, OffsetForLeaderEpochResponse } from '../../protocol/messages/offset-for-leader-epoch.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { Partition } from '../replica/partition.js';
import type { ApiHandler } from './api-handler.js';
import { authorized, clusterActionAuthorized } from './authorize.js';

type TopicResult = Item<MessageInput<typeof OffsetForLeaderEpochResponse>['topics']>;

const UNDEFINED = { leaderEpoch: -1, endOffset: -1 };

/**
 * OffsetForLeaderEpoch (KIP-101, KIP-320): the end offset of a leader epoch
 * in the leader's log, so a follower can truncate, or a consumer detect
 * truncation, after a leader change.
 */
export const offsetForLeaderEpochHandler: ApiHandler<typeof OffsetForLeaderEpochRequest, typeof OffsetForLeaderEpochResponse> = {
  request: OffsetForLeaderEpochRequest,
  response: OffsetForLeaderEpochResponse,
  handle(request, ctx) {
    // Followers ask with CLUSTER_ACTION; consumers (KIP-320) need DESCRIBE on each topic.
    const replica = clusterActionAuthorized(ctx);
    const topics = request.topics.map(
      (t): TopicResult => ({
        topic: t.topic,
        partitions: t.partitions.map((p): Item<TopicResult['partitions']> => {
          if (!replica && !authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, t.topic))
            return { errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, partition: p.partition, ...UNDEFINED };
          const partition = ctx.broker.replicas.getPartition(t.topic, p.partition);
          if (!partition) return { errorCode: ctx.broker.replicas.notHostedError(t.topic, p.partition), partition: p.partition, ...UNDEFINED };
          try {
            // The client's leader epoch first, as Kafka's: a follower that knows a newer one answers FENCED_LEADER_EPOCH.
            partition.checkLeaderEpoch(p.currentLeaderEpoch);
            if (!partition.isLeader) return { errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER, partition: p.partition, ...UNDEFINED };
            return { errorCode: ErrorCode.NONE, partition: p.partition, ...endOffsetForEpoch(partition, p.leaderEpoch) };
          } catch (e) {
            return { errorCode: errorCodeOf(e), partition: p.partition, ...UNDEFINED };
          }
        }),
      }),
    );
    return { throttleTimeMs: 0, topics };
  },
};

/**
 * Kafka's LeaderEpochFileCache.endOffsetFor, with the partition's current
 * epoch counted as the latest even before anything was appended in it (Kafka
 * writes it to the cache on becoming leader): the current epoch ends at the
 * log end; an older epoch at the start of the next one; an epoch older than
 * any known answers with the first known start offset; an unknown newer one,
 * or -1, is undefined.
 */
export function endOffsetForEpoch(partition: Partition, requested: number): { leaderEpoch: number; endOffset: number } {
  if (requested < 0) return UNDEFINED;
  const epochs = partition.log.leaderEpochs;
  const current = Math.max(partition.leaderEpoch, epochs.latestEpoch);
  if (requested === current) return { leaderEpoch: requested, endOffset: partition.logEndOffset };
  if (requested > current) return UNDEFINED;
  const first = epochs.all[0];
  if (first === undefined) {
    // No epoch was recorded: the whole log belongs to the current one.
    return { leaderEpoch: requested, endOffset: partition.logStartOffset };
  }
  if (requested < first.epoch) return { leaderEpoch: requested, endOffset: first.startOffset };
  const found = epochs.endOffsetFor(requested, partition.logEndOffset);
  return { leaderEpoch: found.epoch, endOffset: found.endOffset };
}
