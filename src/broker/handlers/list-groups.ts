import { ErrorCode } from '../../protocol/error-codes.js';
import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages/list-groups.js';
import type { ApiHandler } from './api-handler.js';

/** ListGroups: the groups this coordinator has, filtered by state (v4+) and type (v5+). */
export const listGroupsHandler: ApiHandler<typeof ListGroupsRequest, typeof ListGroupsResponse> = {
  request: ListGroupsRequest,
  response: ListGroupsResponse,
  handle(request, ctx) {
    const groups = ctx.broker.groups;
    const result = groups
      ? groups.listGroups(ctx.apiVersion >= 4 ? request.statesFilter : [], ctx.apiVersion >= 5 ? request.typesFilter : [])
      : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    return { throttleTimeMs: 0, errorCode: result.errorCode, groups: result.groups };
  },
};
