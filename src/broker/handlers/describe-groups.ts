import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/describe-groups.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler } from './api-handler.js';
import { authorized, authorizedOperations, GROUP_OPERATIONS } from './authorize.js';

const NO_AUTHORIZED_OPERATIONS = -2147483648;

/** DescribeGroups: state, protocol and members of each group (DESCRIBE on it, or GROUP_AUTHORIZATION_FAILED); an unknown group is reported Dead. */
export const describeGroupsHandler: ApiHandler<typeof DescribeGroupsRequest, typeof DescribeGroupsResponse> = {
  request: DescribeGroupsRequest,
  response: DescribeGroupsResponse,
  handle(request, ctx) {
    const groups = ctx.broker.groups;
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId): Item<MessageInput<typeof DescribeGroupsResponse>['groups']> => {
        const empty = { groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
        if (!authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, groupId))
          return { ...empty, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED, authorizedOperations: NO_AUTHORIZED_OPERATIONS };
        const described = groups ? groups.describeGroup(groupId) : { ...empty, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
        const operations = request.includeAuthorizedOperations
          ? authorizedOperations(ctx, ResourceType.GROUP, groupId, GROUP_OPERATIONS)
          : NO_AUTHORIZED_OPERATIONS;
        return { ...described, authorizedOperations: operations };
      }),
    };
  },
};
