import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { DescribeProducersRequest, DescribeProducersResponse } from '../../protocol/messages/describe-producers.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import { validateTopicName } from '../metadata/topic-planner.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { authorized } from './authorize.js';

type TopicResult = Item<MessageInput<typeof DescribeProducersResponse>['topics']>;
type PartitionResult = Item<TopicResult['partitions']>;

/**
 * DescribeProducers (KIP-664): the producers a partition's log knows, each
 * with its epoch, last sequence and timestamp, the epoch of the coordinator
 * that wrote its last marker and the first offset of its open transaction
 * (-1 when none), as Kafka answers it: from this broker's replica of the
 * partition, leader or follower (an admin asks the leader unless told a
 * broker); INVALID_TOPIC_EXCEPTION for a bad name, UNKNOWN_TOPIC_OR_PARTITION
 * for a topic not known, NOT_LEADER_OR_FOLLOWER for a partition of a known
 * topic not hosted here.
 */
export const describeProducersHandler: ApiHandler<typeof DescribeProducersRequest, typeof DescribeProducersResponse> = {
  request: DescribeProducersRequest,
  response: DescribeProducersResponse,
  handle(request, ctx) {
    const topics = request.topics.map((t): TopicResult => {
      const topicError = checkTopic(ctx, t.name);
      const partitions = t.partitionIndexes.map(
        (index): PartitionResult => (topicError ? failed(index, topicError.code, topicError.message) : describePartition(ctx, t.name, index)),
      );
      return { name: t.name, partitions };
    });
    return { throttleTimeMs: 0, topics };
  },
};

function checkTopic(ctx: RequestContext, name: string): { code: number; message: string | null } | undefined {
  if (!authorized(ctx, AclOperation.READ, ResourceType.TOPIC, name)) return { code: ErrorCode.TOPIC_AUTHORIZATION_FAILED, message: null };
  try {
    validateTopicName(name);
  } catch (e) {
    return { code: errorCodeOf(e), message: (e as Error).message };
  }
  return ctx.broker.topics.get(name) ? undefined : { code: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, message: null };
}

function describePartition(ctx: RequestContext, topic: string, index: number): PartitionResult {
  const partition = ctx.broker.replicas.getPartition(topic, index);
  if (!partition) {
    const known = index >= 0 && index < (ctx.broker.topics.get(topic)?.replicas.length ?? 0);
    return failed(index, known ? ErrorCode.NOT_LEADER_OR_FOLLOWER : ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, null);
  }
  return { partitionIndex: index, errorCode: ErrorCode.NONE, errorMessage: null, activeProducers: partition.activeProducers() };
}

function failed(partitionIndex: number, errorCode: number, errorMessage: string | null): PartitionResult {
  return { partitionIndex, errorCode, errorMessage, activeProducers: [] };
}
