import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterClientQuotasRequest, AlterClientQuotasResponse } from '../../protocol/messages/alter-client-quotas.js';
import type { Item, MessageData } from '../../protocol/schema/message-types.js';
import type { QuotaChange } from '../quota/client-quota-store.js';
import { CLIENT_ID, QUOTA_KEYS, type QuotaEntity, USER } from '../quota/quota-entity.js';
import type { ApiHandler } from './api-handler.js';
import { clusterAuthorized } from './authorize.js';

type Entry = Item<MessageData<typeof AlterClientQuotasRequest>['entries']>;

/** The entity an entry names, or why it names none samsa can take. */
function entityOf(entry: Entry): QuotaEntity | string {
  const out: { user?: string | null; clientId?: string | null } = {};
  if (entry.entity.length === 0) return 'Invalid empty client quota entity';
  for (const { entityType, entityName } of entry.entity) {
    if (entityName === '') return `Invalid empty ${entityType} name: use null for the default entity`;
    if (entityType === USER) {
      if (out.user !== undefined) return `Duplicate ${USER} entity type`;
      out.user = entityName;
    } else if (entityType === CLIENT_ID) {
      if (out.clientId !== undefined) return `Duplicate ${CLIENT_ID} entity type`;
      out.clientId = entityName;
    } else return `Unsupported quota entity type: ${entityType}`;
  }
  return out;
}

/** The entry's changes, or why they cannot be made. */
function changesOf(entry: Entry): QuotaChange[] | string {
  const changes: QuotaChange[] = [];
  const seen = new Set<string>();
  for (const op of entry.ops) {
    const key = QUOTA_KEYS[op.key];
    if (!key) return `Unknown quota key ${op.key}; the keys are ${Object.keys(QUOTA_KEYS).join(', ')}`;
    if (seen.has(op.key)) return `Duplicate quota key ${op.key}`;
    seen.add(op.key);
    if (!op.remove) {
      if (!(op.value > 0) || !Number.isFinite(op.value)) return `Quota ${op.key} must be positive, not ${op.value}`;
      if (key.integral && !Number.isInteger(op.value)) return `Quota ${op.key} must be a whole number of bytes per second, not ${op.value}`;
    }
    changes.push({ key: op.key, value: op.remove ? null : op.value });
  }
  return changes;
}

/**
 * AlterClientQuotas (KIP-546): sets or removes quota values of users, client
 * ids and user/client-id pairs (a null name is the default entity); each
 * entry is checked on its own and the valid ones applied together, unless
 * validate_only.
 */
export const alterClientQuotasHandler: ApiHandler<typeof AlterClientQuotasRequest, typeof AlterClientQuotasResponse> = {
  request: AlterClientQuotasRequest,
  response: AlterClientQuotasResponse,
  async handle(request, ctx) {
    // As Kafka: ALTER_CONFIGS on the cluster, or every entry is refused.
    if (!clusterAuthorized(ctx, AclOperation.ALTER_CONFIGS))
      return {
        throttleTimeMs: 0,
        entries: request.entries.map((entry) => ({ errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, entity: entry.entity })),
      };
    const valid: Array<{ entity: QuotaEntity; changes: QuotaChange[] }> = [];
    const entries = request.entries.map((entry) => {
      const entity = entityOf(entry);
      const changes = typeof entity === 'string' ? entity : changesOf(entry);
      const problem = typeof entity === 'string' ? entity : typeof changes === 'string' ? changes : undefined;
      if (problem === undefined) valid.push({ entity: entity as QuotaEntity, changes: changes as QuotaChange[] });
      return {
        errorCode: problem === undefined ? ErrorCode.NONE : ErrorCode.INVALID_REQUEST,
        errorMessage: problem ?? null,
        entity: entry.entity,
      };
    });
    if (!request.validateOnly) {
      try {
        await ctx.broker.quotas.store.apply(valid);
      } catch (e) {
        // Not kept (ZooKeeper unreachable): the entries that were valid are told so.
        for (const entry of entries)
          if (entry.errorCode === ErrorCode.NONE) Object.assign(entry, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (e as Error).message });
      }
    }
    return { throttleTimeMs: 0, entries };
  },
};
