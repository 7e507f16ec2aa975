import type { TransactionVerifier } from '../../../storage/log/producer-state.js';
import { ATTRIBUTES, CONTROL_BIT, PRODUCER_EPOCH, PRODUCER_ID, RECORDS, TRANSACTIONAL_BIT } from '../../../storage/record/record-batch-layout.js';
import { ErrorCode, errorName, KafkaError } from '../../protocol/error-codes.js';
import type { Partition } from '../replica/partition.js';
import { type AddPartitionsToTxnManager, offsetCommitVerificationError, produceVerificationError } from './add-partitions-to-txn-manager.js';

/**
 * KIP-890's verification of a transaction's first batch in a partition
 * (Kafka's maybeStartTransactionVerificationForPartition): when the producer
 * has no transaction open in the partition, its transaction coordinator is
 * asked whether the partition is in its ongoing transaction, and the answer
 * becomes the log's `verifyTransaction` hook, valid only while the
 * verification guard the log handed out is (a marker or a new epoch in
 * between voids it). Resolves undefined when the transaction is open here
 * already; throws KafkaError with what the caller's client is to be told
 * (`mapError` turns "the coordinator cannot say yet" into the code that
 * client retries) when the coordinator says no.
 */
export async function verifyTransactionalAppend(
  manager: AddPartitionsToTxnManager | undefined,
  transactionalId: string,
  partition: Partition,
  producerId: number,
  producerEpoch: number,
  mapError: (code: number) => number,
): Promise<TransactionVerifier | undefined> {
  const producers = partition.log.producerState;
  if (producers.hasOngoingTransaction(producerId, producerEpoch)) return undefined;
  // transaction.partition.verification.enable=false: transactional batches are taken as they come, as before KIP-890.
  if (!manager) return () => true;
  const guard = producers.beginVerification(producerId, producerEpoch);
  const code = await manager.verify(transactionalId, producerId, producerEpoch, { topic: partition.topic, partition: partition.index });
  if (code !== ErrorCode.NONE) {
    throw new KafkaError(
      mapError(code),
      `${partition.topic}-${partition.index}: the transaction coordinator of ${transactionalId} answered ${errorName(code)} for producer ${producerId} epoch ${producerEpoch}`,
    );
  }
  return (id, epoch) => id === producerId && epoch === producerEpoch && producers.isVerificationValid(guard);
}

/**
 * The Produce side: the first batch's header fields read in place (the log
 * validates the batch); nothing to verify for a batch that is not
 * transactional, or for a request without a transactional id, which the log
 * refuses. A coordinator not ready yet is NOT_ENOUGH_REPLICAS, which producers retry.
 */
export function verifyTransactionalProduce(
  manager: AddPartitionsToTxnManager | undefined,
  transactionalId: string | null,
  partition: Partition,
  records: Buffer,
): Promise<TransactionVerifier | undefined> {
  if (transactionalId === null || records.length < RECORDS) return Promise.resolve(undefined);
  const attributes = records.readInt16BE(ATTRIBUTES);
  if ((attributes & TRANSACTIONAL_BIT) === 0 || (attributes & CONTROL_BIT) !== 0) return Promise.resolve(undefined);
  const producerId = Number(records.readBigInt64BE(PRODUCER_ID));
  const producerEpoch = records.readInt16BE(PRODUCER_EPOCH);
  return verifyTransactionalAppend(manager, transactionalId, partition, producerId, producerEpoch, produceVerificationError);
}

/** The TxnOffsetCommit side, for the group's __consumer_offsets partition: a coordinator not ready yet is COORDINATOR_NOT_AVAILABLE. */
export function verifyTransactionalOffsetCommit(
  manager: AddPartitionsToTxnManager | undefined,
  transactionalId: string,
  partition: Partition,
  producerId: number,
  producerEpoch: number,
): Promise<TransactionVerifier | undefined> {
  return verifyTransactionalAppend(manager, transactionalId, partition, producerId, producerEpoch, offsetCommitVerificationError);
}
