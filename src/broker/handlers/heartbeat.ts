import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { HeartbeatRequest, HeartbeatResponse } from '../../protocol/messages/heartbeat.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';

/** Heartbeat: keeps a member's session alive; REBALANCE_IN_PROGRESS tells it to rejoin. */
export const heartbeatHandler: ApiHandler<typeof HeartbeatRequest, typeof HeartbeatResponse> = {
  request: HeartbeatRequest,
  response: HeartbeatResponse,
  handle(request, ctx) {
    const groups = ctx.broker.groups;
    const errorCode = !authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)
      ? ErrorCode.GROUP_AUTHORIZATION_FAILED
      : groups
        ? groups.heartbeat(request.groupId, request.memberId, request.groupInstanceId, request.generationId)
        : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return { throttleTimeMs: 0, errorCode };
  },
};
