import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { JoinGroupRequest, JoinGroupResponse } from '../../protocol/messages/join-group.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import { joinError } from '../group/group-requests.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';

/**
 * JoinGroup: a member joins (or rejoins) a group. The response waits until
 * the rebalance completes — every known member rejoined, or the rebalance
 * timeout passed — and gives the leader every member's metadata to assign from.
 */
export const joinGroupHandler: ApiHandler<typeof JoinGroupRequest, typeof JoinGroupResponse> = {
  request: JoinGroupRequest,
  response: JoinGroupResponse,
  async handle(request, ctx) {
    const v = ctx.apiVersion;
    const groups = ctx.broker.groups;
    const result = !authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)
      ? joinError(request.memberId, ErrorCode.GROUP_AUTHORIZATION_FAILED)
      : groups
        ? await groups.joinGroup({
            groupId: request.groupId,
            memberId: request.memberId,
            groupInstanceId: request.groupInstanceId,
            requireKnownMemberId: v >= 4 && request.groupInstanceId === null,
            supportSkippingAssignment: v >= 9,
            clientId: ctx.clientId ?? '',
            clientHost: ctx.clientHost,
            // v0 has no rebalance timeout: the session timeout bounds the rebalance too.
            rebalanceTimeoutMs: v === 0 || request.rebalanceTimeoutMs < 0 ? request.sessionTimeoutMs : request.rebalanceTimeoutMs,
            sessionTimeoutMs: request.sessionTimeoutMs,
            protocolType: request.protocolType,
            protocols: request.protocols.map((p) => ({ name: p.name, metadata: Buffer.from(p.metadata) })),
          })
        : joinError(request.memberId, ErrorCode.COORDINATOR_NOT_AVAILABLE);
    return {
      throttleTimeMs: 0,
      errorCode: result.errorCode,
      generationId: result.generationId,
      protocolType: result.protocolType,
      // Null only from v7; older versions carry "" for "no protocol".
      protocolName: v >= 7 ? result.protocolName : (result.protocolName ?? ''),
      leader: result.leader,
      skipAssignment: result.skipAssignment,
      memberId: result.memberId,
      members: result.members.map(
        (m): Item<MessageInput<typeof JoinGroupResponse>['members']> => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadata }),
      ),
    };
  },
};
