import { AclOperation, CLUSTER_NAME, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf, KafkaError } from '../../protocol/error-codes.js';
import { MetadataRequest, MetadataResponse } from '../../protocol/messages/metadata.js';
import type { Item, MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { BrokerContext } from '../broker-context.js';
import { validateTopicName } from '../metadata/topic-planner.js';
import type { TopicInfo } from '../metadata/topic-store.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { authorized, authorizedOperations, CLUSTER_OPERATIONS, clusterAuthorized, TOPIC_OPERATIONS } from './authorize.js';
import { controllerMutationQuota } from './controller-mutation.js';

const ZERO_UUID = Buffer.alloc(16);

type WantedTopic = Item<MessageData<typeof MetadataRequest>['topics']>;
type ResponseTopic = Item<MessageInput<typeof MetadataResponse>['topics']>;

/**
 * Metadata: brokers, the controller and topics with their partitions, leaders and ISR; creates unknown topics when allowed.
 * Topics the principal may not DESCRIBE are left out of "all topics" and answered TOPIC_AUTHORIZATION_FAILED when named,
 * without saying whether they exist; creating one needs CREATE on the cluster or the topic.
 */
export const metadataHandler: ApiHandler<typeof MetadataRequest, typeof MetadataResponse> = {
  request: MetadataRequest,
  response: MetadataResponse,
  async handle(request, ctx) {
    const broker = ctx.broker;
    const topics: ResponseTopic[] = [];
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const asked = request.topics;
    if (asked === null || (ctx.apiVersion === 0 && asked.length === 0)) {
      for (const t of broker.topics.all()) if (mayDescribe(ctx, t.name)) topics.push(describeTopic(t, broker));
    } else {
      const autoCreate = broker.config.bool('auto.create.topics.enable') && request.allowAutoTopicCreation;
      for (const wanted of asked) {
        topics.push(await lookup(wanted, autoCreate, ctx));
      }
    }
    if (request.includeTopicAuthorizedOperations)
      for (const t of topics)
        if (t.errorCode === ErrorCode.NONE && t.name) t.topicAuthorizedOperations = authorizedOperations(ctx, ResourceType.TOPIC, t.name, TOPIC_OPERATIONS);
    return {
      throttleTimeMs: 0,
      brokers: broker
        .liveBrokers(ctx.session.listenerName)
        .map((b): Item<MessageInput<typeof MetadataResponse>['brokers']> => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterId: broker.clusterId,
      controllerId: broker.controllerId(),
      topics,
      ...(request.includeClusterAuthorizedOperations
        ? { clusterAuthorizedOperations: authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME, CLUSTER_OPERATIONS) }
        : {}),
    };
  },
};

function mayDescribe(ctx: RequestContext, topic: string): boolean {
  return authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic);
}

async function lookup(wanted: WantedTopic, autoCreate: boolean, ctx: RequestContext): Promise<ResponseTopic> {
  const broker = ctx.broker;
  if (wanted.name === null) {
    const byId = wanted.topicId.equals(ZERO_UUID) ? undefined : broker.topics.getById(wanted.topicId);
    if (byId && !mayDescribe(ctx, byId.name)) return errorTopic(null, wanted.topicId, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    if (byId) return describeTopic(byId, broker);
    return errorTopic(null, wanted.topicId, ErrorCode.UNKNOWN_TOPIC_ID);
  }
  if (!mayDescribe(ctx, wanted.name)) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  const known = broker.topics.get(wanted.name);
  if (known) return describeTopic(known, broker);
  // A broker the controller has not told of the cluster yet (it just restarted) cannot say a topic does not exist; clients retry this.
  if (broker.cluster && !broker.cluster.metadata.initialized) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE);
  try {
    validateTopicName(wanted.name);
  } catch (e) {
    return errorTopic(wanted.name, ZERO_UUID, errorCodeOf(e));
  }
  if (!autoCreate) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  if (!clusterAuthorized(ctx, AclOperation.CREATE) && !authorized(ctx, AclOperation.CREATE, ResourceType.TOPIC, wanted.name))
    return errorTopic(wanted.name, ZERO_UUID, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
  try {
    const created = await broker.topics.create({ name: wanted.name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} });
    broker.log('info', `auto-created topic ${wanted.name} with ${created.replicas.length} partition(s)`);
    // Counted against controller_mutation_rate without refusing or throttling this request, as Kafka's auto-creation does.
    controllerMutationQuota(ctx, -1).record(created.replicas.length, Date.now());
    return describeTopic(created, broker);
  } catch (e) {
    // Another request may have created it meanwhile.
    const raced = broker.topics.get(wanted.name);
    if (raced) return describeTopic(raced, broker);
    // Created elsewhere, not yet in this broker's metadata (Kafka answers so): the client asks again.
    if (errorCodeOf(e) === ErrorCode.TOPIC_ALREADY_EXISTS) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE);
    const code = e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR ? ErrorCode.INVALID_REPLICATION_FACTOR : errorCodeOf(e);
    // As Kafka: a topic that exists (in a cluster, one this broker's metadata does not show yet) or is still being set up is LEADER_NOT_AVAILABLE, which clients retry.
    if (code === ErrorCode.TOPIC_ALREADY_EXISTS || code === ErrorCode.REQUEST_TIMED_OUT)
      return errorTopic(wanted.name, ZERO_UUID, ErrorCode.LEADER_NOT_AVAILABLE);
    return errorTopic(wanted.name, ZERO_UUID, code);
  }
}

function errorTopic(name: string | null, topicId: Buffer, errorCode: number): ResponseTopic {
  return { errorCode, name, topicId, isInternal: false, partitions: [] };
}

function describeTopic(topic: TopicInfo, broker: BrokerContext): ResponseTopic {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    partitions: topic.replicas.map((replicas, index): Item<ResponseTopic['partitions']> => {
      const state = broker.topics.partitionMetadata(topic.name, index);
      if (!state || state.leader < 0) {
        return {
          errorCode: ErrorCode.LEADER_NOT_AVAILABLE,
          partitionIndex: index,
          leaderId: -1,
          leaderEpoch: state?.leaderEpoch ?? -1,
          replicaNodes: replicas,
          isrNodes: state?.isr ?? [],
          offlineReplicas: state?.offlineReplicas ?? [],
        };
      }
      return {
        errorCode: ErrorCode.NONE,
        partitionIndex: index,
        leaderId: state.leader,
        leaderEpoch: state.leaderEpoch,
        replicaNodes: replicas,
        isrNodes: state.isr,
        offlineReplicas: state.offlineReplicas,
      };
    }),
  };
}
