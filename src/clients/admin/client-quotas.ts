import type { AlterClientQuotasRequest } from '../../protocol/messages/alter-client-quotas.js';
import type { DescribeClientQuotasRequest, DescribeClientQuotasResponse } from '../../protocol/messages/describe-client-quotas.js';
import type { MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { ClientQuotaAlteration, ClientQuotaDescription, ClientQuotaEntity, ClientQuotaFilter } from './types.js';

// DescribeClientQuotas' match types.
const MATCH_EXACT = 0;
const MATCH_DEFAULT = 1;
const MATCH_SPECIFIED = 2;

function entityData(entity: ClientQuotaEntity): Array<{ entityType: string; entityName: string | null }> {
  return Object.entries(entity).map(([entityType, entityName]) => ({ entityType, entityName: entityName ?? null }));
}

export function alterClientQuotasBody(entries: readonly ClientQuotaAlteration[], validateOnly: boolean): MessageInput<typeof AlterClientQuotasRequest> {
  return {
    entries: entries.map((e) => ({
      entity: entityData(e.entity),
      ops: e.ops.map((op) => ({ key: op.key, value: op.value ?? 0, remove: op.value === null })),
    })),
    validateOnly,
  };
}

export function describeClientQuotasBody(filter: ClientQuotaFilter): MessageInput<typeof DescribeClientQuotasRequest> {
  return {
    components: filter.components.map((c) => ({
      entityType: c.entityType,
      matchType: c.match === null ? MATCH_DEFAULT : c.match === '*' ? MATCH_SPECIFIED : MATCH_EXACT,
      match: c.match === null || c.match === '*' ? null : c.match,
    })),
    strict: filter.strict ?? false,
  };
}

export function clientQuotaDescriptions(r: MessageData<typeof DescribeClientQuotasResponse>): ClientQuotaDescription[] {
  return (r.entries ?? []).map((e) => ({
    entity: Object.fromEntries(e.entity.map((p) => [p.entityType, p.entityName])) as ClientQuotaEntity,
    values: Object.fromEntries(e.values.map((v) => [v.key, v.value])),
  }));
}
