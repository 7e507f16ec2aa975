import { ErrorCode, KafkaError, errorCodeOf } from '../../protocol/error-codes.js';
import { MetadataRequest, MetadataResponse } from '../../protocol/messages/metadata.js';
import type { BrokerContext } from '../broker-context.js';
import type { TopicInfo } from '../metadata/topic-store.js';
import { validateTopicName } from '../metadata/topic-manager.js';
import type { ApiHandler, RequestContext } from './api-handler.js';

const ZERO_UUID = Buffer.alloc(16);

/** Metadata: brokers, the controller and topics with their partitions, leaders and ISR; creates unknown topics when allowed. */
export const metadataHandler: ApiHandler = {
  request: MetadataRequest,
  response: MetadataResponse,
  async handle(request: any, ctx: RequestContext) {
    const broker = ctx.broker;
    const topics: any[] = [];
    // v0: an empty list means all topics; v1+: null means all, empty means none.
    const all = request.topics === null || (ctx.apiVersion === 0 && request.topics.length === 0);
    if (all) {
      for (const t of broker.topics.all()) topics.push(describeTopic(t, broker));
    } else {
      const autoCreate = broker.config.bool('auto.create.topics.enable') && request.allowAutoTopicCreation !== false;
      for (const wanted of request.topics as Array<{ name: string | null; topicId: Buffer }>) {
        topics.push(await lookup(wanted, autoCreate, broker));
      }
    }
    return {
      throttleTimeMs: 0,
      brokers: broker.liveBrokers().map((b) => ({ nodeId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      clusterId: broker.clusterId,
      controllerId: broker.controllerId(),
      topics,
    };
  },
};

async function lookup(wanted: { name: string | null; topicId: Buffer }, autoCreate: boolean, broker: BrokerContext): Promise<any> {
  if (wanted.name === null) {
    const byId = wanted.topicId && !wanted.topicId.equals(ZERO_UUID) ? broker.topics.getById(wanted.topicId) : undefined;
    if (byId) return describeTopic(byId, broker);
    return errorTopic(null, wanted.topicId ?? ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_ID);
  }
  const known = broker.topics.get(wanted.name);
  if (known) return describeTopic(known, broker);
  try {
    validateTopicName(wanted.name);
  } catch (e) {
    return errorTopic(wanted.name, ZERO_UUID, errorCodeOf(e));
  }
  if (!autoCreate) return errorTopic(wanted.name, ZERO_UUID, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  try {
    const created = await broker.topics.create({ name: wanted.name, numPartitions: -1, replicationFactor: -1, assignments: [], configs: {} });
    broker.log('info', `auto-created topic ${wanted.name} with ${created.replicas.length} partition(s)`);
    return describeTopic(created, broker);
  } catch (e) {
    // Another request may have created it meanwhile.
    const raced = broker.topics.get(wanted.name);
    if (raced) return describeTopic(raced, broker);
    const code = e instanceof KafkaError && e.errorCode === ErrorCode.INVALID_REPLICATION_FACTOR ? ErrorCode.INVALID_REPLICATION_FACTOR : errorCodeOf(e);
    return errorTopic(wanted.name, ZERO_UUID, code);
  }
}

function errorTopic(name: string | null, topicId: Buffer, errorCode: number): any {
  return { errorCode, name, topicId, isInternal: false, partitions: [] };
}

function describeTopic(topic: TopicInfo, broker: BrokerContext): any {
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    partitions: topic.replicas.map((replicas, index) => {
      const partition = broker.topics.partition(topic.name, index);
      if (!partition) {
        return { errorCode: ErrorCode.LEADER_NOT_AVAILABLE, partitionIndex: index, leaderId: -1, leaderEpoch: -1, replicaNodes: replicas, isrNodes: [], offlineReplicas: [] };
      }
      return {
        errorCode: ErrorCode.NONE,
        partitionIndex: index,
        leaderId: partition.leaderId,
        leaderEpoch: partition.leaderEpoch,
        replicaNodes: replicas,
        isrNodes: partition.isr,
        offlineReplicas: [],
      };
    }),
  };
}
