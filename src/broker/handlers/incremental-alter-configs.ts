import { LOG_CONFIG_KEYS } from '../../../storage/config/log-config.js';
import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf, KafkaError } from '../../protocol/error-codes.js';
import { ConfigOperation, IncrementalAlterConfigsRequest, IncrementalAlterConfigsResponse } from '../../protocol/messages/alter-configs.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import { alterableTopic, checkDuplicateKeys } from './alter-configs.js';
import type { ApiHandler } from './api-handler.js';
import { configResourceError } from './authorize.js';
import { formatConfigValue } from './config-describe.js';

const KEYS = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k]));

/**
 * IncrementalAlterConfigs (KIP-339): SET, DELETE, APPEND and SUBTRACT applied
 * to a topic's current overrides; APPEND and SUBTRACT only on list configs,
 * starting from the effective value when the topic has no override.
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
          const topic = alterableTopic(resource.resourceType, resource.resourceName, ctx.broker);
          checkDuplicateKeys(resource.configs.map((c) => c.name));
          const current = ctx.broker.topics.logConfig(topic);
          const next: Record<string, string> = { ...topic.configs };
          for (const op of resource.configs) {
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
                const key = KEYS.get(op.name);
                if (!key) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Unknown topic config name: ${op.name}`);
                if (key.type !== 'list') throw new KafkaError(ErrorCode.INVALID_CONFIG, `Config value ${verb} is not allowed for config key: ${op.name}`);
                const items = splitList(next[op.name] ?? formatConfigValue(key, current.get(op.name)));
                const given = splitList(op.value ?? '');
                const updated = verb === 'append' ? [...items, ...given.filter((v) => !items.includes(v))] : items.filter((v) => !given.includes(v));
                next[op.name] = updated.join(',');
                break;
              }
              default:
                throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown config operation ${op.configOperation} for config key: ${op.name}`);
            }
          }
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

function splitList(text: string): string[] {
  return text
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s.length > 0);
}
