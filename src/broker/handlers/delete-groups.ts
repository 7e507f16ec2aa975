import { ErrorCode } from '../../protocol/error-codes.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages/delete-groups.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler } from './api-handler.js';

/** DeleteGroups: removes empty groups and their offsets (NON_EMPTY_GROUP while members remain). */
export const deleteGroupsHandler: ApiHandler<typeof DeleteGroupsRequest, typeof DeleteGroupsResponse> = {
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  async handle(request, ctx) {
    const names = request.groupsNames;
    const groups = ctx.broker.groups;
    const results = groups
      ? await groups.deleteGroups(names)
      : names.map((groupId): Item<MessageInput<typeof DeleteGroupsResponse>['results']> => ({ groupId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
    return { throttleTimeMs: 0, results };
  },
};
