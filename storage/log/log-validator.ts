import type { LogConfig } from '../config/log-config.js';
import { InvalidRecordError } from '../record/invalid-record-error.js';
import type { RecordBatchView } from '../record/record-batch-view.js';
import { validateRecords } from '../record/record-walk.js';
import { AppendOrigin } from './append-origin.js';
import { InvalidTxnStateError } from './log-errors.js';
import type { ProducerStateManager } from './producer-state.js';

/**
 * Asked during a producer's append (AppendOrigin.Client) whether its
 * transactional batch may start a transaction in this partition, i.e.
 * whether the transaction coordinator has this partition in the producer's
 * ongoing transaction with this epoch (KIP-890's verification). Called
 * synchronously, only for the first transactional batch of a transaction
 * here (later ones pass because the transaction is open), and nothing is
 * written when it answers false (INVALID_TXN_STATE). A verification that had
 * to wait for a remote coordinator can be made race-free with
 * ProducerStateManager.beginVerification / isVerificationValid.
 */
export type TransactionVerifier = (producerId: number, producerEpoch: number, baseSequence: number) => boolean;

/**
 * What Kafka's LogValidator checks beyond headers and CRCs (which every
 * append checks first): for a producer's or a coordinator's appends the
 * records of every batch are walked (record-walk.ts), keys required on a
 * compacted topic; for a producer's, the batch itself must be one a
 * producer can write, and a transactional one must belong to a verified
 * transaction. Appends without an origin are trusted. Throws
 * InvalidRecordError (INVALID_RECORD), CorruptRecordError (CORRUPT_MESSAGE)
 * for compressed records that do not decompress, or InvalidTxnStateError.
 * Nothing is written when it throws.
 */
export function validateForAppend(
  batches: readonly RecordBatchView[],
  origin: AppendOrigin | undefined,
  config: LogConfig,
  producerState: ProducerStateManager,
  verifyTransaction: TransactionVerifier | undefined,
): void {
  if (origin === undefined) return;
  // As Kafka: v2 records from a producer are one batch per partition.
  if (origin === AppendOrigin.Client && batches.length !== 1) throw new InvalidRecordError(`a producer sends one record batch per partition, this request has ${batches.length}`);
  for (const batch of batches) {
    if (origin === AppendOrigin.Client) validateProducerBatch(batch);
    validateRecords(batch, { requireKeys: config.compact });
    if (origin === AppendOrigin.Client && batch.isTransactional) checkTransactionVerified(batch, producerState, verifyTransaction);
  }
}

/**
 * KIP-890: a producer's transactional batch goes into its transaction open
 * here, or starts one only when the transaction coordinator added this
 * partition to the producer's transaction, which `verifyTransaction` (the
 * coordinator's, through the append options) answers. Without a verifier a
 * transaction cannot start from a producer's batch.
 */
function checkTransactionVerified(batch: RecordBatchView, producerState: ProducerStateManager, verifyTransaction: TransactionVerifier | undefined): void {
  const { producerId, producerEpoch } = batch;
  if (producerState.hasOngoingTransaction(producerId, producerEpoch)) return;
  if (verifyTransaction?.(producerId, producerEpoch, batch.baseSequence) === true) return;
  throw new InvalidTxnStateError(producerId, producerEpoch);
}

/** The header fields a producer's batch must have (LogValidator.validateBatch for AppendOrigin.CLIENT). */
function validateProducerBatch(batch: RecordBatchView): void {
  const count = batch.recordCount;
  if (count <= 0) throw new InvalidRecordError(`recordCount ${count}: a producer's batch holds at least one record`);
  if (batch.isControl) throw new InvalidRecordError('producers may not write control batches');
  if (batch.producerId >= 0 && batch.baseSequence < 0) throw new InvalidRecordError(`baseSequence ${batch.baseSequence} in a batch of idempotent producer ${batch.producerId}`);
}
