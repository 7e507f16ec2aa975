import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ListGroupsRequest, ListGroupsResponse } from '../../protocol/messages/list-groups.js';
import type { ApiHandler } from './api-handler.js';
import { authorized, clusterAuthorized } from './authorize.js';

/** ListGroups: the groups this coordinator has, filtered by state (v4+) and type (v5+). */
export const listGroupsHandler: ApiHandler<typeof ListGroupsRequest, typeof ListGroupsResponse> = {
  request: ListGroupsRequest,
  response: ListGroupsResponse,
  handle(request, ctx) {
    const groups = ctx.broker.groups;
    const result = groups
      ? groups.listGroups(ctx.apiVersion >= 4 ? request.statesFilter : [], ctx.apiVersion >= 5 ? request.typesFilter : [])
      : { errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, groups: [] };
    // As Kafka: DESCRIBE on the cluster lists every group, otherwise only those the principal may DESCRIBE.
    const listed = clusterAuthorized(ctx, AclOperation.DESCRIBE)
      ? result.groups
      : result.groups.filter((g) => authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, g.groupId));
    return { throttleTimeMs: 0, errorCode: result.errorCode, groups: listed };
  },
};
