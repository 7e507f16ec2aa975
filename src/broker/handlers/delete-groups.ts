import { ErrorCode } from '../../protocol/error-codes.js';
import { DeleteGroupsRequest, DeleteGroupsResponse } from '../../protocol/messages/delete-groups.js';
import type { ApiHandler, RequestContext } from './api-handler.js';

/** DeleteGroups: removes empty groups and their offsets (NON_EMPTY_GROUP while members remain). */
export const deleteGroupsHandler: ApiHandler = {
  request: DeleteGroupsRequest,
  response: DeleteGroupsResponse,
  async handle(request: any, ctx: RequestContext) {
    const names = request.groupsNames as string[];
    const groups = ctx.broker.groups;
    const results = groups ? await groups.deleteGroups(names) : names.map((groupId) => ({ groupId, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE }));
    return { throttleTimeMs: 0, results };
  },
};
