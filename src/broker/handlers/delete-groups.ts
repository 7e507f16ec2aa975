import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages/delete-groups.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler } from './api-handler.js';
import { authorizedNames } from './authorize.js';

/** DeleteGroups: removes empty groups and their offsets (NON_EMPTY_GROUP while members remain). */
export const deleteGroupsHandler: ApiHandler<typeof DeleteGroupsRequest, typeof DeleteGroupsResponse> = {
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  async handle(request, ctx) {
    // Each group needs DELETE; the others are deleted.
    const allowed = authorizedNames(ctx, AclOperation.DELETE, ResourceType.GROUP, request.groupsNames);
    const names = [...allowed];
    const groups = ctx.broker.groups;
    const results = groups
      ? await groups.deleteGroups(names)
      : names.map((groupId): Item<MessageInput<typeof DeleteGroupsResponse>['results']> => ({ groupId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
    const byGroup = new Map(results.map((r) => [r.groupId, r]));
    return {
      throttleTimeMs: 0,
      results: request.groupsNames.map((groupId) => byGroup.get(groupId) ?? { groupId, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED }),
    };
  },
};
