import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf, KafkaError } from '../../protocol/error-codes.js';
import { AlterConfigsRequest, AlterConfigsResponse } from '../../protocol/messages/alter-configs.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { BrokerContext } from '../broker-context.js';
import { validateTopicName } from '../metadata/topic-planner.js';
import type { TopicInfo } from '../metadata/topic-store.js';
import type { ApiHandler } from './api-handler.js';
import { configResourceError } from './authorize.js';
import { checkBrokerResource, ResourceType } from './describe-configs.js';

/**
 * AlterConfigs: replaces a topic's config overrides, or a broker resource's
 * dynamic configs, with the given set (keys left out return to the next
 * layer: the broker's settings or Kafka's defaults), validated first and
 * applied at once.
 */
export const alterConfigsHandler: ApiHandler<typeof AlterConfigsRequest, typeof AlterConfigsResponse> = {
  request: AlterConfigsRequest,
  response: AlterConfigsResponse,
  async handle(request, ctx) {
    const validateOnly = request.validateOnly;
    const responses = await Promise.all(
      request.resources.map(async (resource): Promise<Item<MessageInput<typeof AlterConfigsResponse>['responses']>> => {
        const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
        const denied = configResourceError(ctx, AclOperation.ALTER_CONFIGS, resource.resourceType, resource.resourceName);
        if (denied !== ErrorCode.NONE) return { ...base, errorCode: denied, errorMessage: null };
        try {
          const isBroker = resource.resourceType === ResourceType.BROKER;
          if (isBroker) checkBrokerResource(resource.resourceName, ctx.broker.brokerId);
          const topic = isBroker ? undefined : alterableTopic(resource.resourceType, resource.resourceName, ctx.broker);
          checkDuplicateKeys(resource.configs.map((c) => c.name));
          const nulls = resource.configs.filter((c) => c.value === null).map((c) => c.name);
          if (nulls.length > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Null value not supported for : ${nulls.join(',')}`);
          const configs: Record<string, string> = {};
          for (const c of resource.configs) configs[c.name] = c.value!;
          if (!topic) {
            await ctx.broker.dynamicConfig.alter(resource.resourceName, () => configs, validateOnly);
            return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
          }
          await ctx.broker.topics.alterConfigs(topic, configs, validateOnly);
          if (!validateOnly) ctx.broker.log('info', `topic ${topic.name} configs set to ${JSON.stringify(configs)}`);
          return { ...base, errorCode: ErrorCode.NONE, errorMessage: null };
        } catch (e) {
          return { ...base, errorCode: errorCodeOf(e), errorMessage: (e as Error).message };
        }
      }),
    );
    return { throttleTimeMs: 0, responses };
  },
};

/** The topic an alteration targets; types other than topics (and brokers, which callers take first) are refused with INVALID_REQUEST. */
export function alterableTopic(resourceType: number, resourceName: string, broker: BrokerContext): TopicInfo {
  if (resourceType !== ResourceType.TOPIC) {
    throw new KafkaError(
      ErrorCode.INVALID_REQUEST,
      `Unsupported resource type ${resourceType} for resource '${resourceName}'; only topic (2) and broker (4) configs can be altered`,
    );
  }
  validateTopicName(resourceName);
  const topic = broker.topics.get(resourceName);
  if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${resourceName}' does not exist.`);
  return topic;
}

export function checkDuplicateKeys(names: readonly string[]): void {
  const seen = new Set<string>();
  const duplicates = new Set<string>();
  for (const name of names) (seen.has(name) ? duplicates : seen).add(name);
  if (duplicates.size > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Error due to duplicate config keys: ${[...duplicates].join(',')}`);
}
