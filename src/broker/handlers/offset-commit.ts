import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages/offset-commit.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import { commitError } from '../group/group-requests.js';
import type { ApiHandler } from './api-handler.js';
import { authorized, splitAuthorized } from './authorize.js';

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
    // READ on the group, or nothing is committed; then READ on each topic, whose partitions are otherwise answered TOPIC_AUTHORIZATION_FAILED.
    if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId))
      return { throttleTimeMs: 0, topics: commitError(topics, ErrorCode.GROUP_AUTHORIZATION_FAILED) };
    const { allowed, denied: deniedTopics } = splitAuthorized(ctx, AclOperation.READ, ResourceType.TOPIC, topics, (t) => t.name);
    const denied = commitError(deniedTopics, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    if (denied.length === topics.length && topics.length > 0) return { throttleTimeMs: 0, topics: denied };
    const result = groups
      ? await groups.commitOffsets({
          groupId: request.groupId,
          memberId: request.memberId,
          groupInstanceId: request.groupInstanceId,
          generationId: ctx.apiVersion === 0 ? -1 : request.generationIdOrMemberEpoch,
          retentionTimeMs: ctx.apiVersion >= 2 && ctx.apiVersion <= 4 ? request.retentionTimeMs : -1,
          topics: allowed,
        })
      : allowed.map(
          (t): TopicResult => ({
            name: t.name,
            partitions: t.partitions.map(
              (p): Item<TopicResult['partitions']> => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }),
            ),
          }),
        );
    return { throttleTimeMs: 0, topics: [...result, ...denied] };
  },
};
