import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetCommitRequest, OffsetCommitResponse } from '../../protocol/messages/offset-commit.js';
import type { ApiHandler, RequestContext } from './api-handler.js';

/**
 * OffsetCommit: stores a group's consumed positions in __consumer_offsets.
 * Members commit with their generation; consumers outside group management
 * ("simple" consumers, and every v0 request) commit with generation -1.
 */
export const offsetCommitHandler: ApiHandler = {
  request: OffsetCommitRequest,
  response: OffsetCommitResponse,
  async handle(request: any, ctx: RequestContext) {
    const topics = (request.topics as any[]).map((t) => ({
      name: t.name as string,
      partitions: (t.partitions as any[]).map((p) => ({
        partitionIndex: p.partitionIndex as number,
        committedOffset: p.committedOffset as number,
        committedLeaderEpoch: (p.committedLeaderEpoch ?? -1) as number,
        commitTimestamp: ctx.apiVersion === 1 ? ((p.commitTimestamp ?? -1) as number) : -1,
        committedMetadata: (p.committedMetadata ?? null) as string | null,
      })),
    }));
    const groups = ctx.broker.groups;
    const result = groups
      ? await groups.commitOffsets({
          groupId: request.groupId,
          memberId: request.memberId ?? '',
          groupInstanceId: request.groupInstanceId ?? null,
          generationId: ctx.apiVersion === 0 ? -1 : request.generationIdOrMemberEpoch,
          retentionTimeMs: ctx.apiVersion >= 2 && ctx.apiVersion <= 4 ? request.retentionTimeMs : -1,
          topics,
        })
      : topics.map((t) => ({ name: t.name, partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE })) }));
    return { throttleTimeMs: 0, topics: result };
  },
};
