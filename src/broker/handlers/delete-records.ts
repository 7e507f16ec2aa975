import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { DeleteRecordsRequest, DeleteRecordsResponse } from '../../protocol/messages/delete-records.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { authorized } from './authorize.js';

type TopicResult = Item<MessageInput<typeof DeleteRecordsResponse>['topics']>;

/** The offset meaning "up to the high watermark". */
const HIGH_WATERMARK = -1;

/**
 * DeleteRecords: moves each partition's log start offset forward to the given
 * offset (-1: the high watermark); whole segments below it are removed. The
 * answer's low watermark is the new log start offset.
 */
export const deleteRecordsHandler: ApiHandler<typeof DeleteRecordsRequest, typeof DeleteRecordsResponse> = {
  request: DeleteRecordsRequest,
  response: DeleteRecordsResponse,
  async handle(request, ctx) {
    const topics: TopicResult[] = [];
    for (const topic of request.topics) {
      const partitions: Item<TopicResult['partitions']>[] = [];
      const deletable = authorized(ctx, AclOperation.DELETE, ResourceType.TOPIC, topic.name);
      for (const p of topic.partitions)
        partitions.push({
          partitionIndex: p.partitionIndex,
          ...(deletable
            ? await deleteBefore(ctx, topic.name, p.partitionIndex, p.offset)
            : { lowWatermark: -1, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED }),
        });
      topics.push({ name: topic.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
};

async function deleteBefore(ctx: RequestContext, topic: string, index: number, requested: number): Promise<{ lowWatermark: number; errorCode: number }> {
  const partition = ctx.broker.replicas.getPartition(topic, index);
  if (!partition) return { lowWatermark: -1, errorCode: ctx.broker.replicas.notHostedError(topic, index) };
  if (!partition.isLeader) return { lowWatermark: -1, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
  const config = partition.log.config;
  // Kafka refuses DeleteRecords on a compacted-only topic: the cleaner, not the client, decides what goes.
  if (config.compact && !config.delete) return { lowWatermark: -1, errorCode: ErrorCode.POLICY_VIOLATION };
  const offset = requested === HIGH_WATERMARK ? partition.highWatermark : requested;
  if (offset < 0) return { lowWatermark: -1, errorCode: ErrorCode.OFFSET_OUT_OF_RANGE };
  try {
    const lowWatermark = await partition.log.deleteRecordsBefore(offset);
    return { lowWatermark, errorCode: ErrorCode.NONE };
  } catch (e) {
    const code = errorCodeOf(e);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.broker.log('error', `DeleteRecords on ${topic}-${index} failed: ${(e as Error).stack ?? e}`);
    return { lowWatermark: -1, errorCode: code };
  }
}
