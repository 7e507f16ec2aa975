import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AddPartitionsToTxnRequest, AddPartitionsToTxnResponse } from '../../protocol/messages/add-partitions-to-txn.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import { type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { authorized, authorizedNames, clusterActionAuthorized } from './authorize.js';
import { fencedForVersion } from './transaction-errors.js';

type Response = MessageInput<typeof AddPartitionsToTxnResponse>;
type TopicResult = Item<Response['resultsByTopicV3AndBelow']>;

/** The first version that batches transactions and can only verify (KIP-890; sent by brokers). */
const BATCHED_VERSION = 4;

interface TransactionInput {
  transactionalId: string;
  producerId: number;
  producerEpoch: number;
  verifyOnly: boolean;
  topics: Array<{ name: string; partitions: number[] }>;
}

/**
 * AddPartitionsToTxn: partitions join a producer's transaction (v0-3, one
 * transaction, from clients). From v4 a request carries several
 * transactions, and a verifyOnly one asks whether the partitions are in the
 * transaction without adding them: what partition leaders send the
 * coordinator before taking a transaction's first batch (KIP-890). Partitions
 * of topics that do not exist are refused with UNKNOWN_TOPIC_OR_PARTITION
 * and the rest of that transaction's with OPERATION_NOT_ATTEMPTED.
 */
export const addPartitionsToTxnHandler: ApiHandler<typeof AddPartitionsToTxnRequest, typeof AddPartitionsToTxnResponse> = {
  request: AddPartitionsToTxnRequest,
  response: AddPartitionsToTxnResponse,
  async handle(request, ctx) {
    // From v4 only brokers send it (KIP-890), which needs CLUSTER_ACTION.
    if (ctx.apiVersion >= BATCHED_VERSION && !clusterActionAuthorized(ctx))
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, resultsByTransaction: [] };
    if (ctx.apiVersion < BATCHED_VERSION) {
      const topics = await addToTransaction(ctx, {
        transactionalId: request.v3AndBelowTransactionalId,
        producerId: request.v3AndBelowProducerId,
        producerEpoch: request.v3AndBelowProducerEpoch,
        verifyOnly: false,
        topics: request.v3AndBelowTopics,
      });
      return { throttleTimeMs: 0, resultsByTopicV3AndBelow: topics };
    }
    const resultsByTransaction = await Promise.all(
      request.transactions.map(async (t) => ({ transactionalId: t.transactionalId, topicResults: await addToTransaction(ctx, t) })),
    );
    return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, resultsByTransaction };
  },
};

async function addToTransaction(ctx: RequestContext, t: TransactionInput): Promise<TopicResult[]> {
  const partitions: TopicPartition[] = t.topics.flatMap((topic) => topic.partitions.map((partition) => ({ topic: topic.name, partition })));
  const codes = new Map<string, number>();
  // A client's request needs WRITE on the transactional id, then on each topic; what is refused fails the rest as OPERATION_NOT_ATTEMPTED.
  const fromClient = ctx.apiVersion < BATCHED_VERSION;
  if (fromClient && !authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, t.transactionalId))
    return resultsOf(t, () => ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
  const writable = fromClient
    ? authorizedNames(
        ctx,
        AclOperation.WRITE,
        ResourceType.TOPIC,
        t.topics.map((topic) => topic.name),
      )
    : undefined;
  if (writable && writable.size < new Set(t.topics.map((topic) => topic.name)).size)
    return resultsOf(t, (topic) => (writable.has(topic) ? ErrorCode.OPERATION_NOT_ATTEMPTED : ErrorCode.TOPIC_AUTHORIZATION_FAILED));
  const unknown = partitions.filter((tp) => {
    const info = ctx.broker.topics.get(tp.topic);
    return !info || tp.partition < 0 || tp.partition >= info.replicas.length;
  });
  const coordinator = ctx.broker.transactions;
  if (unknown.length > 0) {
    for (const tp of partitions) codes.set(tpKey(tp.topic, tp.partition), ErrorCode.OPERATION_NOT_ATTEMPTED);
    for (const tp of unknown) codes.set(tpKey(tp.topic, tp.partition), ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
  } else if (!coordinator) {
    for (const tp of partitions) codes.set(tpKey(tp.topic, tp.partition), ErrorCode.COORDINATOR_NOT_AVAILABLE);
  } else if (t.verifyOnly) {
    const answer = coordinator.verifyPartitionsInTransaction(t.transactionalId, t.producerId, t.producerEpoch, partitions);
    for (const tp of partitions) {
      const key = tpKey(tp.topic, tp.partition);
      codes.set(key, 'errorCode' in answer ? answer.errorCode : answer.byPartition.get(key)!);
    }
  } else {
    const code = fencedForVersion(
      await coordinator.addPartitionsToTransaction(t.transactionalId, t.producerId, t.producerEpoch, partitions),
      ctx.apiVersion,
      2,
    );
    for (const tp of partitions) codes.set(tpKey(tp.topic, tp.partition), code);
  }
  return resultsOf(t, (topic, p) => codes.get(tpKey(topic, p))!);
}

function resultsOf(t: TransactionInput, codeOf: (topic: string, partition: number) => number): TopicResult[] {
  return t.topics.map((topic) => ({
    name: topic.name,
    resultsByPartition: topic.partitions.map((p) => ({ partitionIndex: p, partitionErrorCode: codeOf(topic.name, p) })),
  }));
}
