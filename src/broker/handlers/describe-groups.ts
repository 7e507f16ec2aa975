import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeGroupsRequest, DescribeGroupsResponse } from '../../protocol/messages/describe-groups.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler } from './api-handler.js';

/** READ, DELETE and DESCRIBE (Kafka's AclOperation codes 3, 6, 8): what anyone may do to a group without an authorizer. */
const GROUP_OPERATIONS = (1 << 3) | (1 << 6) | (1 << 8);
const NO_AUTHORIZED_OPERATIONS = -2147483648;

/** DescribeGroups: state, protocol and members of each group; an unknown group is reported Dead. */
export const describeGroupsHandler: ApiHandler<typeof DescribeGroupsRequest, typeof DescribeGroupsResponse> = {
  request: DescribeGroupsRequest,
  response: DescribeGroupsResponse,
  handle(request, ctx) {
    const groups = ctx.broker.groups;
    const operations = request.includeAuthorizedOperations ? GROUP_OPERATIONS : NO_AUTHORIZED_OPERATIONS;
    return {
      throttleTimeMs: 0,
      groups: request.groups.map((groupId): Item<MessageInput<typeof DescribeGroupsResponse>['groups']> => {
        const described = groups
          ? groups.describeGroup(groupId)
          : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groupId, groupState: '', protocolType: '', protocolData: '', members: [] };
        return { ...described, authorizedOperations: operations };
      }),
    };
  },
};
