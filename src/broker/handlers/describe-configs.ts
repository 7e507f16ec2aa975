import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf, KafkaError } from '../../protocol/error-codes.js';
import { DescribeConfigsRequest, DescribeConfigsResponse } from '../../protocol/messages/describe-configs.js';
import type { Item, MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { BrokerContext } from '../broker-context.js';
import type { BrokerLoggers } from '../dynamic/broker-loggers.js';
import { validateTopicName } from '../metadata/topic-planner.js';
import type { ApiHandler } from './api-handler.js';
import { configResourceError } from './authorize.js';
import {
  type BrokerLayers,
  ConfigSourceId,
  ConfigTypeId,
  type DescribedConfig,
  describeBrokerConfigs,
  describeBrokerDefaults,
  describeTopicConfigs,
} from './config-describe.js';

/** Kafka's ConfigResource.Type ids. */
export const ResourceType = {
  UNKNOWN: 0,
  TOPIC: 2,
  BROKER: 4,
  BROKER_LOGGER: 8,
} as const;

type Resource = Item<MessageData<typeof DescribeConfigsRequest>['resources']>;
type ResourceResult = Item<MessageInput<typeof DescribeConfigsResponse>['results']>;

/**
 * DescribeConfigs: a topic's configs (its overrides, the broker's topic
 * defaults, Kafka's defaults) or the broker's own settings, with their sources,
 * synonyms, types and documentation as asked.
 */
export const describeConfigsHandler: ApiHandler<typeof DescribeConfigsRequest, typeof DescribeConfigsResponse> = {
  request: DescribeConfigsRequest,
  response: DescribeConfigsResponse,
  handle(request, ctx) {
    const options = { includeSynonyms: request.includeSynonyms, includeDocumentation: request.includeDocumentation };
    const results = request.resources.map((resource): ResourceResult => {
      const base = { resourceType: resource.resourceType, resourceName: resource.resourceName };
      const denied = configResourceError(ctx, AclOperation.DESCRIBE_CONFIGS, resource.resourceType, resource.resourceName);
      if (denied !== ErrorCode.NONE) return { ...base, errorCode: denied, errorMessage: null, configs: [] };
      try {
        const configs = describe(resource, ctx.broker, { ...options, keys: resource.configurationKeys });
        return { ...base, errorCode: ErrorCode.NONE, errorMessage: null, configs };
      } catch (e) {
        return { ...base, errorCode: errorCodeOf(e), errorMessage: (e as Error).message, configs: [] };
      }
    });
    return { throttleTimeMs: 0, results };
  },
};

function describe(
  resource: Resource,
  broker: BrokerContext,
  options: { keys: string[] | null; includeSynonyms: boolean; includeDocumentation: boolean },
): DescribedConfig[] {
  switch (resource.resourceType) {
    case ResourceType.TOPIC: {
      validateTopicName(resource.resourceName);
      const topic = broker.topics.get(resource.resourceName);
      if (!topic) throw new KafkaError(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, `The topic '${resource.resourceName}' does not exist.`);
      return describeTopicConfigs(topic.configs, broker.topics.logConfig(topic), broker.config, { ...options, layers: brokerLayers(broker) });
    }
    case ResourceType.BROKER:
      checkBrokerResource(resource.resourceName, broker.brokerId);
      // "" is the cluster-wide default resource, which holds only the dynamic defaults.
      if (resource.resourceName === '') return describeBrokerDefaults(broker.dynamicConfig.configsOf(''), options);
      return describeBrokerConfigs(broker.config, broker.brokerId, {
        ...options,
        layers: brokerLayers(broker),
        dynamicNames: broker.dynamicConfig.dynamicNames(),
      });
    case ResourceType.BROKER_LOGGER:
      checkBrokerResource(resource.resourceName, broker.brokerId);
      return describeBrokerLoggers(broker.loggers, resource.configurationKeys);
    default:
      throw new KafkaError(
        ErrorCode.INVALID_REQUEST,
        `Unsupported resource type ${resource.resourceType} for resource '${resource.resourceName}'; this broker describes topics (2), brokers (4) and broker loggers (8)`,
      );
  }
}

/** The loggers with their levels, as Kafka describes BROKER_LOGGER (source DYNAMIC_BROKER_LOGGER_CONFIG). */
function describeBrokerLoggers(loggers: BrokerLoggers, keys: readonly string[] | null): DescribedConfig[] {
  const wanted = keys && keys.length > 0 ? new Set(keys) : null;
  return loggers
    .describe()
    .filter((l) => !wanted || wanted.has(l.name))
    .map((l) => ({
      name: l.name,
      value: l.level,
      readOnly: false,
      isDefault: false,
      configSource: ConfigSourceId.DYNAMIC_BROKER_LOGGER_CONFIG,
      isSensitive: false,
      synonyms: [],
      configType: ConfigTypeId.STRING,
      documentation: null,
    }));
}

/** A broker resource names this broker's id, or is "" for the cluster-wide default. */
export function checkBrokerResource(name: string, brokerId: number): void {
  if (name === '') return;
  if (!/^-?\d+$/.test(name)) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Broker id must be an integer, but it is: ${name}`);
  if (Number(name) !== brokerId)
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unexpected broker id, expected ${brokerId} or empty string, but received ${name}`);
}

/** The broker's setting layers, dynamic ones included, as DescribeConfigs' source ids. */
export function brokerLayers(broker: BrokerContext): BrokerLayers {
  return (name) => broker.dynamicConfig.layers(name).map((l) => ({ value: l.value, source: ConfigSourceId[l.source] }));
}
