// Client and user quotas for `samsa configs` (kafka-configs.sh's
// --entity-type users/clients with producer_byte_rate and the rest), on
// Admin's DescribeClientQuotas and AlterClientQuotas, printed as Kafka 3.x's
// ConfigCommand prints them.

import { formatJavaDouble } from '../broker/handlers/config-describe.js';
import type { Admin } from '../clients/admin/admin.js';
import type { ClientQuotaEntity, ClientQuotaFilter } from '../clients/admin/types.js';
import { ConfigCommandError } from './configs-options.js';

/** Kafka's QuotaConfig.isClientOrUserQuotaConfig keys. */
export const QUOTA_KEYS: readonly string[] = ['producer_byte_rate', 'consumer_byte_rate', 'request_percentage', 'controller_mutation_rate'];

const QUOTA_ENTITY_TYPES: Readonly<Record<string, 'user' | 'client-id'>> = { users: 'user', clients: 'client-id' };
/** How Kafka's tool names each entity type when it prints quotas. */
const LABELS: ReadonlyArray<['user' | 'client-id', string]> = [
  ['user', 'user-principal'],
  ['client-id', 'client-id'],
];
const JAVA_DOUBLE = /^\s*[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?[dDfF]?\s*$/;

/** The filter naming exactly the entities of the command line: a name, the default (""), or any named one when no name is given. */
function filterOf(entityTypes: readonly string[], entityNames: readonly string[]): ClientQuotaFilter {
  if (entityNames.length > entityTypes.length) throw new ConfigCommandError('More entity names specified than entity types');
  const components = entityTypes.map((type, i) => {
    const entityType = QUOTA_ENTITY_TYPES[type];
    if (!entityType) throw new ConfigCommandError(`Unexpected entity type ${type}`);
    const name = entityNames[i];
    return { entityType, match: name === undefined ? '*' : name === '' ? null : name };
  });
  return { components, strict: true };
}

/** `Quota configs for user-principal 'alice', client-id 'app' are producer_byte_rate=1024.0` lines, one per entity. */
export async function describeQuotas(admin: Admin, entityTypes: readonly string[], entityNames: readonly string[], out: (text: string) => void): Promise<void> {
  for (const { entity, values } of await admin.describeClientQuotas(filterOf(entityTypes, entityNames))) {
    const names: string[] = [];
    for (const [type, label] of LABELS) {
      if (!(type in entity)) continue;
      const name = entity[type];
      names.push(name === null || name === undefined ? `the default ${label}` : `${label} '${name}'`);
    }
    const shown = Object.entries(values).map(([k, v]) => `${k}=${formatJavaDouble(v)}`);
    out(`Quota configs for ${names.join(', ')} are ${shown.join(', ')}\n`);
  }
}

/** Sets and removes quota values of the one entity the command line names; removing a value it does not have is refused as Kafka's tool refuses it. */
export async function alterQuotas(
  admin: Admin,
  entityTypes: readonly string[],
  entityNames: readonly string[],
  added: Readonly<Record<string, string>>,
  deleted: readonly string[],
): Promise<void> {
  const [current] = await admin.describeClientQuotas(filterOf(entityTypes, entityNames));
  const invalid = deleted.filter((k) => current?.values[k] === undefined);
  if (invalid.length > 0) throw new ConfigCommandError(`Invalid config(s): ${invalid.join(',')}`);
  const entity: Record<string, string | null> = {};
  entityTypes.forEach((type, i) => {
    entity[QUOTA_ENTITY_TYPES[type]!] = entityNames[i] === '' ? null : entityNames[i]!;
  });
  const ops = [
    ...Object.entries(added).map(([key, value]) => {
      if (!JAVA_DOUBLE.test(value)) throw new ConfigCommandError(`Cannot parse quota configuration value for ${key}: ${value}`);
      return { key, value: Number.parseFloat(value) };
    }),
    ...deleted.map((key) => ({ key, value: null })),
  ];
  await admin.alterClientQuotas([{ entity: entity as ClientQuotaEntity, ops }]);
}
