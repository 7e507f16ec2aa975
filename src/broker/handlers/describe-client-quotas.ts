import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../../protocol/messages/describe-client-quotas.js';
import { CLIENT_ID, type QuotaEntity, USER } from '../quota/quota-entity.js';
import type { ApiHandler } from './api-handler.js';
import { clusterAuthorized } from './authorize.js';

const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;

/** The entity's parts by type: a name, null for the default, absent when the entity has no such part. */
function partsOf(entity: QuotaEntity): Map<string, string | null> {
  const parts = new Map<string, string | null>();
  if (entity.user !== undefined) parts.set(USER, entity.user);
  if (entity.clientId !== undefined) parts.set(CLIENT_ID, entity.clientId);
  return parts;
}

/**
 * DescribeClientQuotas (KIP-546): the quotas of the entities the components
 * match (a type's exact name, its default, or any named one); `strict` leaves
 * out entities with parts the components do not mention.
 */
export const describeClientQuotasHandler: ApiHandler<typeof DescribeClientQuotasRequest, typeof DescribeClientQuotasResponse> = {
  request: DescribeClientQuotasRequest,
  response: DescribeClientQuotasResponse,
  handle(request, ctx) {
    // As Kafka: DESCRIBE_CONFIGS on the cluster.
    if (!clusterAuthorized(ctx, AclOperation.DESCRIBE_CONFIGS))
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, entries: null };
    const failed = (errorMessage: string) => ({ throttleTimeMs: 0, errorCode: ErrorCode.INVALID_REQUEST, errorMessage, entries: null });
    const types = new Set<string>();
    for (const c of request.components) {
      if (c.entityType !== USER && c.entityType !== CLIENT_ID) return failed(`Unsupported quota entity type: ${c.entityType}`);
      if (types.has(c.entityType)) return failed(`Duplicate ${c.entityType} filter component entity type`);
      if (c.matchType === MATCH_EXACT && c.match === null) return failed(`Unspecified match for an exact ${c.entityType} component`);
      if (c.matchType !== MATCH_EXACT && c.matchType !== MATCH_DEFAULT && c.matchType !== MATCH_SPECIFIED)
        return failed(`Unknown match type ${c.matchType} for ${c.entityType}`);
      types.add(c.entityType);
    }
    const entries = ctx.broker.quotas.store.all().filter(({ entity }) => {
      const parts = partsOf(entity);
      if (request.strict && [...parts.keys()].some((t) => !types.has(t))) return false;
      return request.components.every((c) => {
        if (!parts.has(c.entityType)) return false;
        const name = parts.get(c.entityType);
        if (c.matchType === MATCH_EXACT) return name === c.match;
        if (c.matchType === MATCH_DEFAULT) return name === null;
        return name !== null;
      });
    });
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      entries: entries.map(({ entity, values }) => ({
        entity: [...partsOf(entity)].map(([entityType, entityName]) => ({ entityType, entityName })),
        values: [...values].map(([key, value]) => ({ key, value })),
      })),
    };
  },
};
