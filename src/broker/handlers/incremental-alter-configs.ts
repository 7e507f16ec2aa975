import type { ConfigKey } from '../../../storage/config/config-def.js';
import { LOG_CONFIG_KEYS } from '../../../storage/config/log-config.js';
import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf, KafkaError } from '../../protocol/error-codes.js';
import { ConfigOperation, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../protocol/messages/alter-configs.js';
import type { Item, MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { BrokerContext } from '../broker-context.js';
import { dynamicKeyOf } from '../dynamic/dynamic-config-keys.js';
import { alterableTopic, checkDuplicateKeys } from './alter-configs.js';
import type { ApiHandler } from './api-handler.js';
import { configResourceError } from './authorize.js';
import { formatConfigValue } from './config-describe.js';
import { checkBrokerResource, ResourceType } from './describe-configs.js';

const KEYS = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k]));
const OP_NAMES: Readonly<Record<number, 'SET' | 'DELETE' | 'APPEND' | 'SUBTRACT'>> = {
  [ConfigOperation.Set]: 'SET',
  [ConfigOperation.Delete]: 'DELETE',
  [ConfigOperation.Append]: 'APPEND',
  [ConfigOperation.Subtract]: 'SUBTRACT',
};
type Resource = Item<MessageData<typeof IncrementalAlterConfigsRequest>['resources']>;

/**
 * IncrementalAlterConfigs (KIP-339): SET, DELETE, APPEND and SUBTRACT applied
 * to a topic's current overrides or a broker resource's dynamic configs;
 * APPEND and SUBTRACT only on list configs, starting from the effective value
 * when the resource does not set the key itself.
 */
export const incrementalAlterConfigsHandler: ApiHandler<typeof IncrementalAlterConfigsRequest, typeof IncrementalAlterConfigsResponse> = {
  request: IncrementalAlterConfigsRequest,
  response: IncrementalAlterConfigsResponse,
  async handle(request, ctx) {
    const validateOnly = request.validateOnly;
    const responses = await Promise.all(
      request.resources.map(async (resource): Promise<Item<MessageInput<typeof IncrementalAlterConfigsResponse>['responses']>> => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        const denied = configResourceError(ctx, AclOperation.ALTER_CONFIGS, resource.resourceType, resource.resourceName);
        if (denied !== ErrorCode.NONE) return { ...base, errorCode: denied, errorMessage: null };
        try {
          if (resource.resourceType === ResourceType.BROKER) {
            await alterBroker(resource, ctx.broker, validateOnly);
            return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
          }
          if (resource.resourceType === ResourceType.BROKER_LOGGER) {
            checkBrokerResource(resource.resourceName, ctx.broker.brokerId);
            checkDuplicateKeys(resource.configs.map((c) => c.name));
            ctx.broker.loggers.alter(
              resource.configs.map((c) => ({ name: c.name, op: OP_NAMES[c.configOperation] ?? 'SET', value: c.value })),
              validateOnly,
            );
            return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
          }
          const topic = alterableTopic(resource.resourceType, resource.resourceName, ctx.broker);
          checkDuplicateKeys(resource.configs.map((c) => c.name));
          const current = ctx.broker.topics.logConfig(topic);
          const next = applyOps(resource.configs, topic.configs, (name) => {
            const key = KEYS.get(name);
            if (!key) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${name}`);
            return { key, current: formatConfigValue(key, current.get(name)) };
          });
          await ctx.broker.topics.alterConfigs(topic, next, validateOnly);
          if (!validateOnly) ctx.broker.log('info', `topic ${topic.name} configs set to ${JSON.stringify(next)}`);
          return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
        } catch (e) {
          return { ...base, errorCode: errorCodeOf(e), errorMessage: (e as Error).message };
        }
      }),
    );
    return { throttleTimeMs: 0, responses };
  },
};

/** A broker resource's dynamic configs with the operations applied; a list's APPEND/SUBTRACT starts from the value in effect. */
async function alterBroker(resource: Resource, broker: BrokerContext, validateOnly: boolean): Promise<void> {
  checkBrokerResource(resource.resourceName, broker.brokerId);
  checkDuplicateKeys(resource.configs.map((c) => c.name));
  const dynamic = broker.dynamicConfig;
  await dynamic.alter(
    resource.resourceName,
    (current) =>
      applyOps(resource.configs, current, (name) => {
        const key = dynamicKeyOf(name);
        if (!key) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: Set(${name})`);
        return { key, current: dynamic.layers(name)[0]?.value ?? key.defaultValue };
      }),
    validateOnly,
  );
}

/** `configs` with the operations applied in order; `listKey` gives a key's definition and value in effect, for APPEND and SUBTRACT. */
function applyOps(
  ops: Resource['configs'],
  configs: Readonly<Record<string, string>>,
  listKey: (name: string) => { key: ConfigKey; current: string },
): Record<string, string> {
  const next: Record<string, string> = { ...configs };
  for (const op of ops) {
    switch (op.configOperation) {
      case ConfigOperation.Set:
        if (op.value === null) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${op.name}`);
        next[op.name] = op.value;
        break;
      case ConfigOperation.Delete:
        delete next[op.name];
        break;
      case ConfigOperation.Append:
      case ConfigOperation.Subtract: {
        const verb = op.configOperation === ConfigOperation.Append ? 'append' : 'subtract';
        const { key, current } = listKey(op.name);
        if (key.type !== 'list') throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value ${verb} is not allowed for config key: ${op.name}`);
        const items = splitList(next[op.name] ?? current);
        const given = splitList(op.value ?? '');
        const updated = verb === 'append' ? [...items, ...given.filter((v) => !items.includes(v))] : items.filter((v) => !given.includes(v));
        next[op.name] = updated.join(',');
        break;
      }
      default:
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${op.configOperation} for config key: ${op.name}`);
    }
  }
  return next;
}

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
