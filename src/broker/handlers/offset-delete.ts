import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages/offset-delete.js';
import type { ApiHandler } from './api-handler.js';
import { authorized, authorizedNames } from './authorize.js';

/**
 * OffsetDelete: removes committed offsets of a group, except those of topics
 * its members still subscribe to (GROUP_SUBSCRIBED_TO_TOPIC).
 */
export const offsetDeleteHandler: ApiHandler<typeof OffsetDeleteRequest, typeof OffsetDeleteResponse> = {
  request: OffsetDeleteRequest,
  response: OffsetDeleteResponse,
  async handle(request, ctx) {
    if (!authorized(ctx, AclOperation.DELETE, ResourceType.GROUP, request.groupId))
      return { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, throttleTimeMs: 0, topics: [] };
    // Topics the principal may not READ keep their offsets and answer TOPIC_AUTHORIZATION_FAILED.
    const readable = authorizedNames(
      ctx,
      AclOperation.READ,
      ResourceType.TOPIC,
      request.topics.map((t) => t.name),
    );
    const groups = ctx.broker.groups;
    const allowed = request.topics.filter((t) => readable.has(t.name));
    const result = groups ? await groups.deleteOffsets(request.groupId, allowed) : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    const denied = request.topics
      .filter((t) => !readable.has(t.name))
      .map((t) => ({
        name: t.name,
        partitions: t.partitions.map((p) => ({ partitionIndex: p.partitionIndex, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED })),
      }));
    return { errorCode: result.errorCode, throttleTimeMs: 0, topics: [...result.topics, ...denied] };
  },
};
