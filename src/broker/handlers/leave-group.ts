import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { LeaveGroupRequest, LeaveGroupResponse } from '../../protocol/messages/leave-group.js';
import type { LeavingMember } from '../group/group-requests.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';

/**
 * LeaveGroup: members leave at once instead of waiting out their sessions.
 * v0-2 name one member; v3+ (KIP-345) a batch, static members possibly by
 * instance id alone, each answered on its own.
 */
export const leaveGroupHandler: ApiHandler<typeof LeaveGroupRequest, typeof LeaveGroupResponse> = {
  request: LeaveGroupRequest,
  response: LeaveGroupResponse,
  handle(request, ctx) {
    const batched = ctx.apiVersion >= 3;
    const leaving: LeavingMember[] = batched
      ? request.members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, reason: m.reason }))
      : [{ memberId: request.memberId, groupInstanceId: null }];
    const groups = ctx.broker.groups;
    const result = !authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)
      ? { errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, members: [] }
      : groups
        ? groups.leaveGroup(request.groupId, leaving)
        : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, members: [] };
    if (batched) return { throttleTimeMs: 0, errorCode: result.errorCode, members: result.members };
    // One member: its error becomes the response's (Kafka's LeaveGroupResponse for v0-2).
    const memberError = result.members.find((m) => m.errorCode !== ErrorCode.NONE)?.errorCode ?? ErrorCode.NONE;
    return { throttleTimeMs: 0, errorCode: result.errorCode !== ErrorCode.NONE ? result.errorCode : memberError, members: [] };
  },
};
