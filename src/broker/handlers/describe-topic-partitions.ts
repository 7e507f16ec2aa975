import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeTopicPartitionsRequest, DescribeTopicPartitionsResponse } from '../../protocol/messages/describe-topic-partitions.js';
import type { Item, MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { BrokerContext } from '../broker-context.js';
import type { TopicInfo } from '../metadata/topic-store.js';
import type { ApiHandler } from './api-handler.js';
import { authorized, authorizedOperations, TOPIC_OPERATIONS } from './authorize.js';

const ZERO_UUID = Buffer.alloc(16);
/** Kafka's max.request.partition.size.limit default: the most partitions one answer carries. */
const MAX_PARTITIONS_PER_RESPONSE = 2000;

type Cursor = NonNullable<MessageData<typeof DescribeTopicPartitionsRequest>['cursor']>;
type ResponseTopic = Item<MessageInput<typeof DescribeTopicPartitionsResponse>['topics']>;

/**
 * DescribeTopicPartitions (KIP-966): topics (those named, or all) sorted by
 * name with their partitions, leaders and ISR, paged: at most
 * responsePartitionLimit partitions per answer, and a cursor to the next.
 */
export const describeTopicPartitionsHandler: ApiHandler<typeof DescribeTopicPartitionsRequest, typeof DescribeTopicPartitionsResponse> = {
  request: DescribeTopicPartitionsRequest,
  response: DescribeTopicPartitionsResponse,
  handle(request, ctx) {
    const broker = ctx.broker;
    const cursor = request.cursor;
    const asked = request.topics.map((t) => t.name);
    const all = asked.length === 0;
    // Topics the principal may not DESCRIBE are left out of "all", and answered TOPIC_AUTHORIZATION_FAILED when named.
    const mayDescribe = (name: string) => authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, name);
    const names = [
      ...new Set(
        all
          ? broker.topics
              .all()
              .map((t) => t.name)
              .filter(mayDescribe)
          : asked,
      ),
    ].sort(compareNames);
    if (cursor && !all && !names.includes(cursor.topicName)) {
      return {
        throttleTimeMs: 0,
        topics: names.map((name) => errorTopic(name, ErrorCode.INVALID_REQUEST)),
        nextCursor: null,
      };
    }
    let remaining = Math.min(Math.max(1, request.responsePartitionLimit), MAX_PARTITIONS_PER_RESPONSE);
    let nextCursor: Cursor | null = null;
    const topics: ResponseTopic[] = [];
    for (const name of names) {
      if (cursor && compareNames(name, cursor.topicName) < 0) continue;
      if (remaining === 0) {
        nextCursor = { topicName: name, partitionIndex: 0 };
        break;
      }
      if (!mayDescribe(name)) {
        topics.push(errorTopic(name, ErrorCode.TOPIC_AUTHORIZATION_FAILED));
        continue;
      }
      const topic = broker.topics.get(name);
      if (!topic) {
        topics.push(errorTopic(name, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION));
        continue;
      }
      const start = cursor && name === cursor.topicName ? Math.max(0, cursor.partitionIndex) : 0;
      const end = Math.min(topic.replicas.length, start + remaining);
      topics.push({
        ...describeTopic(topic, start, end, broker),
        topicAuthorizedOperations: authorizedOperations(ctx, ResourceType.TOPIC, name, TOPIC_OPERATIONS),
      });
      remaining -= end - start;
      if (end < topic.replicas.length) {
        nextCursor = { topicName: name, partitionIndex: end };
        break;
      }
    }
    return { throttleTimeMs: 0, topics, nextCursor };
  },
};

/** Topic names in Java's String order (UTF-16 code units), as Kafka sorts them. */
function compareNames(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function errorTopic(name: string, errorCode: number): ResponseTopic {
  return { errorCode, name, topicId: ZERO_UUID, isInternal: false, partitions: [], topicAuthorizedOperations: -2147483648 };
}

function describeTopic(topic: TopicInfo, start: number, end: number, broker: BrokerContext): ResponseTopic {
  const partitions: Item<ResponseTopic['partitions']>[] = [];
  for (let index = start; index < end; index++) {
    const replicas = topic.replicas[index]!;
    const state = broker.topics.partitionMetadata(topic.name, index);
    const led = state !== undefined && state.leader >= 0;
    partitions.push({
      errorCode: led ? ErrorCode.NONE : ErrorCode.LEADER_NOT_AVAILABLE,
      partitionIndex: index,
      leaderId: led ? state.leader : -1,
      leaderEpoch: state?.leaderEpoch ?? -1,
      replicaNodes: replicas,
      isrNodes: state?.isr ?? [],
      eligibleLeaderReplicas: [],
      lastKnownElr: [],
      offlineReplicas: state?.offlineReplicas ?? [],
    });
  }
  return {
    errorCode: ErrorCode.NONE,
    name: topic.name,
    topicId: topic.id,
    isInternal: topic.internal,
    partitions,
  };
}
