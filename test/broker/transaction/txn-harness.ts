import type { Broker } from '../../../src/broker/broker.js';
import { TRANSACTION_STATE_TOPIC } from '../../../src/broker/transaction/transaction-topic.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { validateBatches } from '../../../storage/record/record-batch-scan.js';
import type { RecordBatchView } from '../../../storage/record/record-batch-view.js';
import { waitFor } from '../../wait-for.js';
import type { RawClient } from '../raw-client.js';

/** The transaction APIs as raw requests, at the versions a test names. */
export class TxnRequests {
  constructor(readonly raw: RawClient) {}

  async init(
    transactionalId: string,
    timeoutMs = 60_000,
    expected?: { producerId: number; producerEpoch: number },
    version = 4,
  ): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
    return this.raw.request('InitProducerId', version, {
      transactionalId,
      transactionTimeoutMs: timeoutMs,
      producerId: expected?.producerId ?? -1,
      producerEpoch: expected?.producerEpoch ?? -1,
    });
  }

  /** InitProducerId again while it answers CONCURRENT_TRANSACTIONS (an open transaction being aborted), as producers do. */
  async initUntilReady(transactionalId: string, timeoutMs = 60_000): Promise<{ errorCode: number; producerId: number; producerEpoch: number }> {
    let result = await this.init(transactionalId, timeoutMs);
    await waitFor(async () => {
      if (result.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS) return true;
      result = await this.init(transactionalId, timeoutMs);
      return result.errorCode !== ErrorCode.CONCURRENT_TRANSACTIONS;
    }, `InitProducerId of ${transactionalId} to stop answering CONCURRENT_TRANSACTIONS`);
    return result;
  }

  /** AddPartitionsToTxn v0-3: the error code of each partition, `topic-partition` → code. */
  async addPartitions(
    transactionalId: string,
    producer: { producerId: number; producerEpoch: number },
    topics: Record<string, number[]>,
    version = 3,
  ): Promise<Record<string, number>> {
    const res = await this.raw.request('AddPartitionsToTxn', version, {
      v3AndBelowTransactionalId: transactionalId,
      v3AndBelowProducerId: producer.producerId,
      v3AndBelowProducerEpoch: producer.producerEpoch,
      v3AndBelowTopics: Object.entries(topics).map(([name, partitions]) => ({ name, partitions })),
    });
    return codesByPartition(res.resultsByTopicV3AndBelow);
  }

  /** AddPartitionsToTxn v4+ with verifyOnly: what a partition leader asks. */
  async verify(
    transactionalId: string,
    producer: { producerId: number; producerEpoch: number },
    topics: Record<string, number[]>,
  ): Promise<Record<string, number>> {
    const res = await this.raw.request('AddPartitionsToTxn', 5, {
      transactions: [{ transactionalId, ...producer, verifyOnly: true, topics: Object.entries(topics).map(([name, partitions]) => ({ name, partitions })) }],
    });
    return codesByPartition(res.resultsByTransaction[0].topicResults);
  }

  async addOffsets(transactionalId: string, producer: { producerId: number; producerEpoch: number }, groupId: string): Promise<number> {
    return (await this.raw.request('AddOffsetsToTxn', 3, { transactionalId, ...producer, groupId })).errorCode;
  }

  async endTxn(transactionalId: string, producer: { producerId: number; producerEpoch: number }, committed: boolean, version = 3): Promise<number> {
    return (await this.raw.request('EndTxn', version, { transactionalId, ...producer, committed })).errorCode;
  }

  async describe(transactionalId: string): Promise<{
    errorCode: number;
    transactionState: string;
    producerId: number;
    producerEpoch: number;
    topics: Array<{ topic: string; partitions: number[] }>;
  }> {
    return (await this.raw.request('DescribeTransactions', 0, { transactionalIds: [transactionalId] })).transactionStates[0];
  }

  async waitForState(transactionalId: string, state: string): Promise<void> {
    await waitFor(async () => (await this.describe(transactionalId)).transactionState === state, `transactional id ${transactionalId} to be ${state}`);
  }
}

function codesByPartition(
  topics: Array<{ name: string; resultsByPartition: Array<{ partitionIndex: number; partitionErrorCode: number }> }>,
): Record<string, number> {
  const out: Record<string, number> = {};
  for (const t of topics) for (const p of t.resultsByPartition) out[`${t.name}-${p.partitionIndex}`] = p.partitionErrorCode;
  return out;
}

/** The batches of a partition this broker hosts, from its start to its log end. */
export async function batchesOf(broker: Broker, topic: string, partition: number): Promise<RecordBatchView[]> {
  const p = broker.context.replicas.getPartition(topic, partition);
  if (!p) return [];
  const { bytes } = await p.log.read(p.logStartOffset, 1 << 24, p.logEndOffset);
  return validateBatches(bytes);
}

/** The log end offset of a partition this broker hosts (-1 when it hosts none): what "nothing written" is checked against. */
export function logEnd(broker: Broker, topic: string, partition: number): number {
  return broker.context.replicas.getPartition(topic, partition)?.logEndOffset ?? -1;
}

/** The __transaction_state partition of a transactional id. */
export function txnPartitionOf(broker: Broker, transactionalId: string): { topic: string; partition: number } {
  return { topic: TRANSACTION_STATE_TOPIC, partition: broker.context.transactions!.partitionFor(transactionalId) };
}
