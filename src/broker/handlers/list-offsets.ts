import { decodeRecords } from '../../../storage/record/record.js';
import { validateBatches } from '../../../storage/record/record-batch-scan.js';
import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { ListOffsetsRequest, ListOffsetsResponse } from '../../protocol/messages/list-offsets.js';
import type { Item, MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { Partition } from '../replica/partition.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { authorized } from './authorize.js';

type PartitionResult = Item<Item<MessageInput<typeof ListOffsetsResponse>['topics']>['partitions']>;

// Kafka's special timestamps.
const LATEST = -1;
const EARLIEST = -2;
const MAX_TIMESTAMP = -3;
const EARLIEST_LOCAL = -4;
const LATEST_TIERED = -5;

const READ_COMMITTED = 1;

/**
 * ListOffsets: earliest, latest, the offset holding the largest timestamp, or
 * the first offset at or after a time. As Kafka's, what a consumer may fetch
 * bounds the answers: latest is the high watermark, or under read_committed
 * the last stable offset, and an offset found by time (or the largest
 * timestamp) at or past it is no answer (-1).
 */
export const listOffsetsHandler: ApiHandler<typeof ListOffsetsRequest, typeof ListOffsetsResponse> = {
  request: ListOffsetsRequest,
  response: ListOffsetsResponse,
  async handle(request, ctx) {
    const readCommitted = request.isolationLevel === READ_COMMITTED;
    const topics: Item<MessageInput<typeof ListOffsetsResponse>['topics']>[] = [];
    for (const topic of request.topics) {
      const partitions: PartitionResult[] = [];
      const described = authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name);
      for (const p of topic.partitions)
        partitions.push(
          described
            ? await lookup(ctx, topic.name, p, readCommitted)
            : {
                partitionIndex: p.partitionIndex,
                errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED,
                oldStyleOffsets: [],
                timestamp: -1,
                offset: -1,
                leaderEpoch: -1,
              },
        );
      topics.push({ name: topic.name, partitions });
    }
    return { throttleTimeMs: 0, topics };
  },
};

async function lookup(
  ctx: RequestContext,
  topic: string,
  p: Item<Item<MessageData<typeof ListOffsetsRequest>['topics']>['partitions']>,
  readCommitted: boolean,
): Promise<PartitionResult> {
  const result = { partitionIndex: p.partitionIndex, errorCode: ErrorCode.NONE, oldStyleOffsets: [] as number[], timestamp: -1, offset: -1, leaderEpoch: -1 };
  const partition = ctx.broker.replicas.getPartition(topic, p.partitionIndex);
  if (!partition) return { ...result, errorCode: ctx.broker.replicas.notHostedError(topic, p.partitionIndex) };
  try {
    // The client's leader epoch first, as Kafka's: a follower that knows a newer one answers FENCED_LEADER_EPOCH.
    partition.checkLeaderEpoch(p.currentLeaderEpoch);
    if (!partition.isLeader) return { ...result, errorCode: ErrorCode.NOT_LEADER_OR_FOLLOWER };
    const found = await offsetFor(partition, p.timestamp, readCommitted ? partition.lastStableOffset : partition.highWatermark);
    if (!found) return result;
    return { ...result, offset: found.offset, timestamp: found.timestamp, leaderEpoch: epochOf(partition, found.offset) };
  } catch (e) {
    return { ...result, errorCode: errorCodeOf(e) };
  }
}

/** The answer for `timestamp`; `lastFetchable` is how far the asking consumer may read (Kafka's lastFetchableOffset). */
async function offsetFor(partition: Partition, timestamp: number, lastFetchable: number): Promise<{ offset: number; timestamp: number } | undefined> {
  switch (timestamp) {
    case LATEST:
    case LATEST_TIERED:
      return { offset: lastFetchable, timestamp: -1 };
    case EARLIEST:
    case EARLIEST_LOCAL:
      return { offset: partition.logStartOffset, timestamp: -1 };
    default: {
      const found = timestamp === MAX_TIMESTAMP ? await exactMaxTimestamp(partition) : await partition.log.offsetForTimestamp(timestamp);
      return found && found.offset < lastFetchable ? found : undefined;
    }
  }
}

/** The leader epoch that wrote `offset` (the latest epoch starting at or before it). */
function epochOf(partition: Partition, offset: number): number {
  let epoch = -1;
  for (const e of partition.log.leaderEpochs.all) if (e.startOffset <= offset) epoch = e.epoch;
  return epoch < 0 ? partition.leaderEpoch : epoch;
}

/**
 * The offset of the record holding the largest timestamp (KIP-734). Segments
 * know the batch; the record inside it is found by decoding that one batch.
 */
async function exactMaxTimestamp(partition: Partition): Promise<{ offset: number; timestamp: number } | undefined> {
  const best = partition.log.maxTimestampOffset();
  if (!best) return undefined;
  const read = await partition.log.read(best.offset, 1);
  try {
    for (const batch of validateBatches(read.bytes)) {
      if (batch.baseOffset > best.offset || batch.lastOffset < best.offset) continue;
      for (const record of decodeRecords(batch)) if (record.timestamp === best.timestamp) return { offset: record.offset, timestamp: best.timestamp };
    }
    return best;
  } finally {
    read.release(); // only numbers leave this function
  }
}
