import { type AclBinding, type AclBindingFilter, AclOperation, PatternType, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import {
  CreateAclsRequest,
  CreateAclsResponse,
  DeleteAclsRequest,
  DeleteAclsResponse,
  DescribeAclsRequest,
  DescribeAclsResponse,
} from '../../protocol/messages/acls.js';
import type { ApiHandler } from './api-handler.js';
import { clusterAuthorized } from './authorize.js';

const NO_AUTHORIZER = 'No Authorizer is configured on the broker';

interface FilterFields {
  resourceTypeFilter: number;
  resourceNameFilter: string | null;
  patternTypeFilter: number;
  principalFilter: string | null;
  hostFilter: string | null;
  operation: number;
  permissionType: number;
}

function toFilter(f: FilterFields): AclBindingFilter {
  return {
    pattern: { resourceType: f.resourceTypeFilter, name: f.resourceNameFilter, patternType: f.patternTypeFilter },
    entry: { principal: f.principalFilter, host: f.hostFilter, operation: f.operation, permissionType: f.permissionType },
  };
}

/** A filter with an UNKNOWN code matches nothing Kafka could mean: the request is refused, as Kafka's AclBindingFilter.isUnknown. */
function unknownFilter(f: FilterFields): boolean {
  return f.resourceTypeFilter === ResourceType.UNKNOWN || f.patternTypeFilter === PatternType.UNKNOWN || f.operation === 0 || f.permissionType === 0;
}

/** DescribeAcls: the bindings a filter matches, grouped by resource pattern; needs DESCRIBE on the cluster. */
export const describeAclsHandler: ApiHandler<typeof DescribeAclsRequest, typeof DescribeAclsResponse> = {
  request: DescribeAclsRequest,
  response: DescribeAclsResponse,
  handle(request, ctx) {
    const authorizer = ctx.broker.authorizer;
    const failed = (errorCode: number, errorMessage: string) => ({ throttleTimeMs: 0, errorCode, errorMessage, resources: [] });
    if (!authorizer) return failed(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER);
    if (!clusterAuthorized(ctx, AclOperation.DESCRIBE)) return failed(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    if (unknownFilter(request)) return failed(ErrorCode.INVALID_REQUEST, 'The filter has an unknown element');
    const byPattern = new Map<string, { resourceType: number; resourceName: string; patternType: number; acls: AclBinding['entry'][] }>();
    for (const b of authorizer.acls(toFilter(request))) {
      const key = `${b.pattern.resourceType}\0${b.pattern.patternType}\0${b.pattern.name}`;
      let resource = byPattern.get(key);
      if (!resource) {
        resource = { resourceType: b.pattern.resourceType, resourceName: b.pattern.name, patternType: b.pattern.patternType, acls: [] };
        byPattern.set(key, resource);
      }
      resource.acls.push(b.entry);
    }
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, errorMessage: null, resources: [...byPattern.values()] };
  },
};

/** CreateAcls: stores bindings, each answered on its own; needs ALTER on the cluster. */
export const createAclsHandler: ApiHandler<typeof CreateAclsRequest, typeof CreateAclsResponse> = {
  request: CreateAclsRequest,
  response: CreateAclsResponse,
  async handle(request, ctx) {
    const authorizer = ctx.broker.authorizer;
    const all = (errorCode: number, errorMessage: string) => ({ throttleTimeMs: 0, results: request.creations.map(() => ({ errorCode, errorMessage })) });
    if (!authorizer) return all(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER);
    if (!clusterAuthorized(ctx, AclOperation.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    const bindings: AclBinding[] = request.creations.map((c) => ({
      pattern: { resourceType: c.resourceType, name: c.resourceName, patternType: c.resourcePatternType },
      entry: { principal: c.principal, host: c.host, operation: c.operation, permissionType: c.permissionType },
    }));
    const results = await authorizer.createAcls(bindings);
    return {
      throttleTimeMs: 0,
      results: results.map((e) => (e ? { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: e.message } : { errorCode: ErrorCode.NONE, errorMessage: null })),
    };
  },
};

/** DeleteAcls: removes what each filter matches and lists it; needs ALTER on the cluster. */
export const deleteAclsHandler: ApiHandler<typeof DeleteAclsRequest, typeof DeleteAclsResponse> = {
  request: DeleteAclsRequest,
  response: DeleteAclsResponse,
  async handle(request, ctx) {
    const authorizer = ctx.broker.authorizer;
    const all = (errorCode: number, errorMessage: string) => ({
      throttleTimeMs: 0,
      filterResults: request.filters.map(() => ({ errorCode, errorMessage, matchingAcls: [] })),
    });
    if (!authorizer) return all(ErrorCode.SECURITY_DISABLED, NO_AUTHORIZER);
    if (!clusterAuthorized(ctx, AclOperation.ALTER)) return all(ErrorCode.CLUSTER_AUTHORIZATION_FAILED, 'Cluster authorization failed.');
    const valid = request.filters.filter((f) => !unknownFilter(f));
    const removed = await authorizer.deleteAcls(valid.map(toFilter));
    let next = 0;
    return {
      throttleTimeMs: 0,
      filterResults: request.filters.map((f) => {
        if (unknownFilter(f)) return { errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'The filter has an unknown element', matchingAcls: [] };
        const matching = removed[next++]!;
        return {
          errorCode: ErrorCode.NONE,
          errorMessage: null,
          matchingAcls: matching.map((b) => ({
            errorCode: ErrorCode.NONE,
            errorMessage: null,
            resourceType: b.pattern.resourceType,
            resourceName: b.pattern.name,
            patternType: b.pattern.patternType,
            principal: b.entry.principal,
            host: b.entry.host,
            operation: b.entry.operation,
            permissionType: b.entry.permissionType,
          })),
        };
      }),
    };
  },
};
