import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetFetchRequest, OffsetFetchResponse } from '../../protocol/messages/offset-fetch.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { FetchResult, FetchTopics } from '../group/group-requests.js';
import type { ApiHandler } from './api-handler.js';

type Response = MessageInput<typeof OffsetFetchResponse>;
type TopicResult = Item<Response['topics']>;

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
      return groups ? groups.fetchOffsets(groupId, topics, v >= 7 && request.requireStable) : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
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
