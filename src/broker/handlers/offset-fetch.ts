import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/messages/offset-fetch.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { FetchResult, FetchTopics } from '../group/group-requests.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';

type Response = MessageInput<typeof OffsetFetchResponse>;
type TopicResult = Item<Response['topics']>;

function deniedPartition(partitionIndex: number) {
  return { partitionIndex, committedOffset: -1, committedLeaderEpoch: -1, metadata: '', errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED };
}

/**
 * OffsetFetch: a group's committed offsets. v0-7 ask for one group, v8+
 * (KIP-709) for several; a null topic list asks for every offset the group
 * has; a partition without a commit gets offset -1. From v7 a consumer
 * reading committed data asks for stable offsets (require_stable): a
 * partition with an offset in an open transaction answers UNSTABLE_OFFSET_COMMIT.
 */
export const offsetFetchHandler: ApiHandler<typeof OffsetFetchRequest, typeof OffsetFetchResponse> = {
  request: OffsetFetchRequest,
  response: OffsetFetchResponse,
  handle(request, ctx) {
    const v = ctx.apiVersion;
    const fetch = (groupId: string, topics: FetchTopics): FetchResult => {
      const groups = ctx.broker.groups;
      // DESCRIBE on the group, then on each topic: a topic asked for is answered TOPIC_AUTHORIZATION_FAILED, one not asked for is left out.
      if (!authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId)) return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, topics: [] };
      if (!groups) return { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
      const mayDescribe = (t: { name: string }) => authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, t.name);
      const result = groups.fetchOffsets(groupId, topics === null ? null : topics.filter(mayDescribe), v >= 7 && request.requireStable);
      if (topics === null) return { ...result, topics: result.topics.filter(mayDescribe) };
      const denied = topics.filter((t) => !mayDescribe(t)).map((t) => ({ name: t.name, partitions: t.partitionIndexes.map((p) => deniedPartition(p)) }));
      return denied.length === 0 ? result : { ...result, topics: [...result.topics, ...denied] };
    };
    if (v >= 8) {
      return {
        throttleTimeMs: 0,
        groups: request.groups.map((g): Item<Response['groups']> => {
          const result = fetch(g.groupId, g.topics);
          return { groupId: g.groupId, topics: result.topics, errorCode: result.errorCode };
        }),
      };
    }
    const topics: FetchTopics = request.topics;
    const result = fetch(request.groupId, topics);
    if (result.errorCode !== ErrorCode.NONE && v < 2) {
      // v0-1 have no group-level error: each partition asked for carries it.
      return {
        throttleTimeMs: 0,
        topics: (topics ?? []).map(
          (t): TopicResult => ({
            name: t.name,
            partitions: t.partitionIndexes.map(
              (p): Item<TopicResult['partitions']> => ({
                partitionIndex: p,
                committedOffset: -1,
                committedLeaderEpoch: -1,
                metadata: '',
                errorCode: result.errorCode,
              }),
            ),
          }),
        ),
      };
    }
    return { throttleTimeMs: 0, topics: result.topics, errorCode: result.errorCode };
  },
};
