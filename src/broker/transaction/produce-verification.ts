import type { TransactionVerifier } from '../../../storage/log/producer-state.js';
import { ATTRIBUTES, CONTROL_BIT, PRODUCER_EPOCH, PRODUCER_ID, RECORDS, TRANSACTIONAL_BIT } from '../../../storage/record/record-batch-layout.js';
import { ErrorCode, errorName, KafkaError } from '../../protocol/error-codes.js';
import type { Partition } from '../replica/partition.js';
import { produceVerificationError, type AddPartitionsToTxnManager } from './add-partitions-to-txn-manager.js';

/**
 * KIP-890 on the produce path (Kafka's maybeStartTransactionVerificationForPartition):
 * a producer's transactional batch for a partition where it has no
 * transaction open is checked with its transaction coordinator before the
 * append, and the answer becomes the log's `verifyTransaction` hook, valid
 * only while the verification guard the log handed out is (a marker or a
 * new epoch in between voids it). Resolves undefined when there is nothing
 * to verify (not transactional, the transaction already open here, a
 * request without a transactional id, which the log refuses); throws
 * KafkaError with what the producer is to be answered when the coordinator
 * says no, or cannot say yet (NOT_ENOUGH_REPLICAS, which producers retry).
 * Reads the first batch's header fields in place; the log validates the batch.
 */
export async function verifyTransactionalProduce(
  manager: AddPartitionsToTxnManager | undefined,
  transactionalId: string | null,
  partition: Partition,
  records: Buffer,
): Promise<TransactionVerifier | undefined> {
  if (records.length < RECORDS) return undefined;
  const attributes = records.readInt16BE(ATTRIBUTES);
  if ((attributes & TRANSACTIONAL_BIT) === 0 || (attributes & CONTROL_BIT) !== 0) return undefined;
  const producerId = Number(records.readBigInt64BE(PRODUCER_ID));
  const producerEpoch = records.readInt16BE(PRODUCER_EPOCH);
  const producers = partition.log.producerState;
  if (transactionalId === null || producers.hasOngoingTransaction(producerId, producerEpoch)) return undefined;
  // transaction.partition.verification.enable=false: transactional batches are taken as they come, as before KIP-890.
  if (!manager) return () => true;
  const guard = producers.beginVerification(producerId, producerEpoch);
  const code = await manager.verify(transactionalId, producerId, producerEpoch, { topic: partition.topic, partition: partition.index });
  if (code !== ErrorCode.NONE) {
    const answer = produceVerificationError(code);
    throw new KafkaError(answer, `${partition.topic}-${partition.index}: the transaction coordinator of ${transactionalId} answered ${errorName(code)} for producer ${producerId} epoch ${producerEpoch}`);
  }
  return (id, epoch) => id === producerId && epoch === producerEpoch && producers.isVerificationValid(guard);
}
