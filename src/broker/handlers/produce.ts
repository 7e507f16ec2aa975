import { AppendOrigin } from '../../../storage/log/append-origin.js';
import { InvalidRecordError } from '../../../storage/record/invalid-record-error.js';
import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf, errorName } from '../../protocol/error-codes.js';
import { ProduceRequest, ProduceResponse } from '../../protocol/messages/produce.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import { INTERNAL_TOPICS } from '../metadata/metadata-cache.js';
import { verifyTransactionalProduce } from '../transaction/transaction-verification.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { authorized } from './authorize.js';

type TopicResult = Item<MessageInput<typeof ProduceResponse>['responses']>;
type PartitionResult = Item<TopicResult['partitionResponses']>;

/**
 * Produce: appends each partition's batches to its leader log. The batches
 * are validated (headers, CRCs, a walk of the records) and stored as
 * received, with offsets written in place; a transaction's first batch in a
 * partition only once its transaction coordinator confirms the partition is
 * in the transaction (KIP-890). acks=0 gets no response at all, as in Kafka.
 */
export const produceHandler: ApiHandler<typeof ProduceRequest, typeof ProduceResponse> = {
  request: ProduceRequest,
  response: ProduceResponse,
  async handle(request, ctx) {
    const acks = request.acks;
    const validAcks = acks === 0 || acks === 1 || acks === -1;
    // As Kafka: a transactional producer needs WRITE on its transactional id, or the whole request fails; then WRITE on each topic.
    const txnDenied = request.transactionalId !== null && !authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId);
    const responses = await Promise.all(
      request.topicData.map(async (topic): Promise<TopicResult> => {
        const denied = txnDenied
          ? ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED
          : authorized(ctx, AclOperation.WRITE, ResourceType.TOPIC, topic.name)
            ? ErrorCode.NONE
            : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
        return {
          name: topic.name,
          partitionResponses: await Promise.all(
            topic.partitionData.map((p) =>
              denied !== ErrorCode.NONE
                ? failed(p.index, denied, null)
                : validAcks
                  ? appendPartition(ctx, request.transactionalId, topic.name, p.index, p.records, acks, request.timeoutMs)
                  : failed(p.index, ErrorCode.INVALID_REQUIRED_ACKS, `acks must be -1, 0 or 1, got ${acks}`),
            ),
          ),
        };
      }),
    );
    if (acks === 0) return null;
    return { responses, throttleTimeMs: 0 };
  },
};

function failed(index: number, errorCode: number, errorMessage: string | null, recordErrors: PartitionResult['recordErrors'] = []): PartitionResult {
  return { index, errorCode, baseOffset: -1, logAppendTimeMs: -1, logStartOffset: -1, recordErrors, errorMessage };
}

async function appendPartition(
  ctx: RequestContext,
  transactionalId: string | null,
  topic: string,
  index: number,
  records: Buffer | null,
  acks: number,
  timeoutMs: number,
): Promise<PartitionResult> {
  // Only the broker writes its internal topics (the coordinators append to their partitions directly).
  if (INTERNAL_TOPICS.has(topic)) return failed(index, ErrorCode.INVALID_TOPIC_EXCEPTION, `Cannot append to internal topic ${topic}`);
  try {
    const partition = ctx.broker.replicas.leaderPartition(topic, index);
    if (records === null || records.length === 0) {
      ctx.broker.metrics?.produceFailed(topic, true);
      return failed(index, ErrorCode.CORRUPT_MESSAGE, 'no record batches in the request');
    }
    if (records.length > partition.log.config.segmentBytes) {
      ctx.broker.metrics?.produceFailed(topic, true);
      return failed(index, ErrorCode.RECORD_LIST_TOO_LARGE, `${records.length} bytes of records exceed segment.bytes ${partition.log.config.segmentBytes}`);
    }
    // A transaction's first batch here is checked with its coordinator first (KIP-890).
    const verifyTransaction = await verifyTransactionalProduce(ctx.broker.addPartitionsToTxnManager, transactionalId, partition, records);
    const info = await partition.appendAsLeader(records, acks, AppendOrigin.Client, verifyTransaction);
    // Counted at the append, whatever acks=all's wait brings, as Kafka counts messages in; offsets are dense, so the span is the record count.
    ctx.broker.metrics?.produced(topic, records.length, info.lastOffset - info.baseOffset + 1);
    // acks=all: answered once every in-sync replica has the batches (Kafka's delayed produce).
    const errorCode = acks === -1 ? await partition.waitForReplication(info.lastOffset + 1, timeoutMs) : ErrorCode.NONE;
    const errorMessage = errorCode === ErrorCode.NONE ? null : `${errorName(errorCode)} while waiting for the in-sync replicas of ${topic}-${index}`;
    return {
      index,
      errorCode,
      baseOffset: info.baseOffset,
      logAppendTimeMs: info.logAppendTimeMs,
      logStartOffset: partition.logStartOffset,
      recordErrors: [],
      errorMessage,
    };
  } catch (e) {
    const code = errorCodeOf(e);
    ctx.broker.metrics?.produceFailed(topic, code !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    if (code === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.broker.log('error', `append to ${topic}-${index} failed: ${(e as Error).stack ?? e}`);
    // The records at fault, by index in the batch (ProduceResponse v8+; older versions drop the field).
    const recordErrors = e instanceof InvalidRecordError ? e.recordErrors.map((r) => ({ batchIndex: r.batchIndex, batchIndexErrorMessage: r.message })) : [];
    return failed(index, code, (e as Error).message, recordErrors);
  }
}
