import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages/offset-commit.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler } from './api-handler.js';

type TopicResult = Item<MessageInput<typeof OffsetCommitResponse>['topics']>;

/**
 * OffsetCommit: stores a group's consumed positions in __consumer_offsets.
 * Members commit with their generation; consumers outside group management
 * ("simple" consumers, and every v0 request) commit with generation -1.
 */
export const offsetCommitHandler: ApiHandler<typeof OffsetCommitRequest, typeof OffsetCommitResponse> = {
  request: OffsetCommitRequest,
  response: OffsetCommitResponse,
  async handle(request, ctx) {
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: p.committedLeaderEpoch,
        commitTimestamp: ctx.apiVersion === 1 ? p.commitTimestamp : -1,
        committedMetadata: p.committedMetadata,
      })),
    }));
    const groups = ctx.broker.groups;
    const result = groups
      ? await groups.commitOffsets({
          groupId: request.groupId,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          generationId: ctx.apiVersion === 0 ? -1 : request.generationIdOrMemberEpoch,
          retentionTimeMs: ctx.apiVersion >= 2 && ctx.apiVersion <= 4 ? request.retentionTimeMs : -1,
          topics,
        })
      : topics.map(
          (t): TopicResult => ({
            name: t.name,
            partitions: t.partitions.map(
              (p): Item<TopicResult['partitions']> => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }),
            ),
          }),
        );
    return { throttleTimeMs: 0, topics: result };
  },
};
