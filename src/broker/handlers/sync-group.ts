import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { SyncGroupRequest, SyncGroupResponse } from '../../protocol/messages/sync-group.js';
import { syncError } from '../group/group-requests.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';

/**
 * SyncGroup: the leader sends the assignment it computed, every member gets
 * its own part. Followers wait until the leader's assignment is stored. The
 * assignments are the clients' bytes, passed through untouched.
 */
export const syncGroupHandler: ApiHandler<typeof SyncGroupRequest, typeof SyncGroupResponse> = {
  request: SyncGroupRequest,
  response: SyncGroupResponse,
  async handle(request, ctx) {
    const groups = ctx.broker.groups;
    const result = !authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)
      ? syncError(ErrorCode.GROUP_AUTHORIZATION_FAILED)
      : groups
        ? await groups.syncGroup({
            groupId: request.groupId,
            generationId: request.generationId,
            memberId: request.memberId,
            groupInstanceId: request.groupInstanceId,
            protocolType: request.protocolType,
            protocolName: request.protocolName,
            assignments: request.assignments.map((a) => ({ memberId: a.memberId, assignment: Buffer.from(a.assignment) })),
          })
        : syncError(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      protocolType: result.protocolType,
      protocolName: result.protocolName,
      assignment: result.assignment,
    };
  },
};
