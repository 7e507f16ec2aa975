import type { LogConfig } from '../config/log-config.js';
import { InvalidRecordError } from '../record/invalid-record-error.js';
import type { RecordBatchView } from '../record/record-batch-view.js';
import { validateRecords } from '../record/record-walk.js';
import { AppendOrigin } from './append-origin.js';

/**
 * What Kafka's LogValidator checks beyond headers and CRCs (which every
 * append checks first): for a producer's or a coordinator's appends the
 * records of every batch are walked (record-walk.ts), keys required on a
 * compacted topic; for a producer's, the batch itself must be one a
 * producer can write (whether it fits the producer's state, transactions
 * included, is the ProducerStateManager's check). Appends without an origin
 * are trusted. Throws InvalidRecordError (INVALID_RECORD) or
 * CorruptRecordError (CORRUPT_MESSAGE) for compressed records that do not
 * decompress. Nothing is written when it throws.
 */
export function validateForAppend(batches: readonly RecordBatchView[], origin: AppendOrigin | undefined, config: LogConfig): void {
  if (origin === undefined) return;
  // As Kafka: v2 records from a producer are one batch per partition.
  if (origin === AppendOrigin.Client && batches.length !== 1)
    throw new InvalidRecordError(`a producer sends one record batch per partition, this request has ${batches.length}`);
  for (const batch of batches) {
    if (origin === AppendOrigin.Client) validateProducerBatch(batch);
    validateRecords(batch, { requireKeys: config.compact });
  }
}

/** The header fields a producer's batch must have (LogValidator.validateBatch for AppendOrigin.CLIENT). */
function validateProducerBatch(batch: RecordBatchView): void {
  const count = batch.recordCount;
  if (count <= 0) throw new InvalidRecordError(`recordCount ${count}: a producer's batch holds at least one record`);
  if (batch.isControl) throw new InvalidRecordError('producers may not write control batches');
  if (batch.producerId >= 0 && batch.baseSequence < 0)
    throw new InvalidRecordError(`baseSequence ${batch.baseSequence} in a batch of idempotent producer ${batch.producerId}`);
}
