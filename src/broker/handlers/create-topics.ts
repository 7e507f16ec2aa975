import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf, KafkaError } from '../../protocol/error-codes.js';
import { CreateTopicsRequest, CreateTopicsResponse } from '../../protocol/messages/create-topics.js';
import type { Item, MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { CreateTopicRequest } from '../metadata/topic-manager.js';
import type { ControllerMutationQuota } from '../quota/controller-mutation-quota.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { authorized, clusterAuthorized } from './authorize.js';
import { describeTopicConfigs } from './config-describe.js';
import { controllerMutationQuota, mutationThrottleTimeMs } from './controller-mutation.js';
import { brokerLayers } from './describe-configs.js';

const ZERO_UUID = Buffer.alloc(16);
/** The first version that answers THROTTLING_QUOTA_EXCEEDED (KIP-599). */
const STRICT_QUOTA_VERSION = 6;

type CreatableTopic = Item<MessageData<typeof CreateTopicsRequest>['topics']>;
type CreatableTopicResult = Item<MessageInput<typeof CreateTopicsResponse>['topics']>;

/**
 * CreateTopics: creates each topic (or only checks it, with validateOnly).
 * -1 partitions / replication factor take the broker's num.partitions and
 * default.replication.factor. From v5 the answer carries the resolved
 * partition count, replication factor and every config of the topic; v7 adds its id.
 * Each topic's partitions count against the client's controller_mutation_rate.
 */
export const createTopicsHandler: ApiHandler<typeof CreateTopicsRequest, typeof CreateTopicsResponse> = {
  request: CreateTopicsRequest,
  response: CreateTopicsResponse,
  async handle(request, ctx) {
    const topics = request.topics;
    const counts = new Map<string, number>();
    for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const duplicates = [...counts].filter(([, n]) => n > 1).map(([name]) => name);
    const results: CreatableTopicResult[] = [];
    const mayCreateAny = clusterAuthorized(ctx, AclOperation.CREATE);
    const quota = controllerMutationQuota(ctx, STRICT_QUOTA_VERSION);
    for (const topic of topics) {
      if (duplicates.includes(topic.name)) {
        results.push(
          failed(
            topic.name,
            ErrorCode.INVALID_REQUEST,
            `Create topics request from client \`${ctx.clientId ?? ''}\` contains multiple entries for the following topics: ${duplicates.join(',')}`,
          ),
        );
        continue;
      }
      // CREATE on the cluster allows any topic, else CREATE on the topic itself (as Kafka's).
      if (!mayCreateAny && !authorized(ctx, AclOperation.CREATE, ResourceType.TOPIC, topic.name)) {
        results.push(failed(topic.name, ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.'));
        continue;
      }
      results.push(await createOne(topic, request.validateOnly, request.timeoutMs, quota, ctx));
    }
    return { throttleTimeMs: mutationThrottleTimeMs(ctx, quota), topics: results };
  },
};

function failed(name: string, errorCode: number, errorMessage: string | null): CreatableTopicResult {
  return { name, topicId: ZERO_UUID, errorCode, errorMessage, topicConfigErrorCode: ErrorCode.NONE, numPartitions: -1, replicationFactor: -1, configs: null };
}

async function createOne(
  topic: CreatableTopic,
  validateOnly: boolean,
  timeoutMs: number,
  quota: ControllerMutationQuota,
  ctx: RequestContext,
): Promise<CreatableTopicResult> {
  const broker = ctx.broker;
  const nulls = topic.configs.filter((c) => c.value === null).map((c) => c.name);
  if (nulls.length > 0) return failed(topic.name, ErrorCode.INVALID_CONFIG, `Null value not supported for topic configs: ${nulls.join(',')}`);
  const configs: Record<string, string> = {};
  for (const c of topic.configs) configs[c.name] = c.value!;
  const req: CreateTopicRequest = {
    name: topic.name,
    numPartitions: topic.numPartitions,
    replicationFactor: topic.replicationFactor,
    assignments: topic.assignments,
    configs,
    timeoutMs,
  };
  try {
    const { replicas, config } = broker.topics.validateCreate(req);
    let topicId: Buffer = ZERO_UUID;
    if (!validateOnly) {
      quota.record(replicas.length, Date.now()); // a checked creation only, as Kafka's
      const created = await broker.topics.create(req);
      topicId = created.id;
      broker.log(
        'info',
        `created topic ${topic.name} with ${replicas.length} partition(s)${Object.keys(configs).length > 0 ? ` and configs ${JSON.stringify(configs)}` : ''}`,
      );
    }
    // The created topic's configs are shown only to who may DESCRIBE_CONFIGS it.
    if (!authorized(ctx, AclOperation.DESCRIBE_CONFIGS, ResourceType.TOPIC, topic.name))
      return {
        ...failed(topic.name, ErrorCode.NONE, null),
        topicId,
        topicConfigErrorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
        numPartitions: replicas.length,
        replicationFactor: replicas[0]?.length ?? -1,
      };
    return {
      name: topic.name,
      topicId,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      topicConfigErrorCode: ErrorCode.NONE,
      numPartitions: replicas.length,
      replicationFactor: replicas[0]?.length ?? -1,
      configs: describeTopicConfigs(configs, config, broker.config, { layers: brokerLayers(broker) }).map(
        (c): Item<CreatableTopicResult['configs']> => ({
          name: c.name,
          value: c.value,
          readOnly: c.readOnly,
          configSource: c.configSource,
          isSensitive: c.isSensitive,
        }),
      ),
    };
  } catch (e) {
    const code = errorCodeOf(e);
    if (!(e instanceof KafkaError) && code === ErrorCode.UNKNOWN_SERVER_ERROR)
      broker.log('error', `creating topic ${topic.name} failed: ${(e as Error).stack ?? e}`);
    return failed(topic.name, code, (e as Error).message);
  }
}
