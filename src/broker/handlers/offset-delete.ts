import { ErrorCode } from '../../protocol/error-codes.js';
import { OffsetDeleteRequest, OffsetDeleteResponse } from '../../protocol/messages/offset-delete.js';
import type { ApiHandler } from './api-handler.js';

/**
 * OffsetDelete: removes committed offsets of a group, except those of topics
 * its members still subscribe to (GROUP_SUBSCRIBED_TO_TOPIC).
 */
export const offsetDeleteHandler: ApiHandler<typeof OffsetDeleteRequest, typeof OffsetDeleteResponse> = {
  request: OffsetDeleteRequest,
  response: OffsetDeleteResponse,
  async handle(request, ctx) {
    const groups = ctx.broker.groups;
    const result = groups ? await groups.deleteOffsets(request.groupId, request.topics) : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, topics: [] };
    return { errorCode: result.errorCode, throttleTimeMs: 0, topics: result.topics };
  },
};
