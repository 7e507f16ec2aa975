import type { Partition } from '../../src/broker/replica/partition.js';
import { AppendOrigin } from '../../storage/log/append-origin.js';
import type { AppendInfo } from '../../storage/log/log.js';
import { buildEndTransactionMarkerBatch, type ControlRecordType } from '../../storage/record/control-record.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import type { RawClient } from './raw-client.js';

// What the transaction tests over the wire share while the transaction
// coordinator is built elsewhere: producers' transactional batches are sent
// as raw Produce requests, admitted by a stand-in for the coordinator's
// KIP-890 verification, and markers are appended as the coordinator's
// WriteTxnMarkers appends them (Partition.appendAsLeader, AppendOrigin.Coordinator).

/** A transactional producer's batch of `values` (keys = values), sequences from `sequence`. */
export function txnBatch(producerId: number, epoch: number, sequence: number, values: string[]): Buffer {
  return buildRecordBatch(
    values.map((value) => ({ key: value, value })),
    { producerId, producerEpoch: epoch, baseSequence: sequence, isTransactional: true },
  );
}

export function plainBatch(values: string[]): Buffer {
  return buildRecordBatch(values.map((value) => ({ key: value, value })));
}

/**
 * The broker settings of these tests: their producers are made up, unknown
 * to the transaction coordinator, so the Produce handler's KIP-890
 * verification is off (transaction.partition.verification.enable=false
 * admits every transactional batch, as before KIP-890).
 */
export const WITHOUT_VERIFICATION = { 'transaction.partition.verification.enable': false } as const;

/**
 * Stands in for the transaction coordinator's verification on this
 * partition: every producer's transactional batch may start a transaction.
 */
export function admitTransactions(partition: Partition): void {
  const append = partition.appendAsLeader.bind(partition);
  partition.appendAsLeader = (records, acks, origin, verify) => append(records, acks, origin, verify ?? (() => true));
}

/** A COMMIT or ABORT marker, appended as WriteTxnMarkers does. */
export function writeMarker(partition: Partition, type: ControlRecordType, producerId: number, epoch: number, coordinatorEpoch = 0): Promise<AppendInfo> {
  return partition.appendAsLeader(
    buildEndTransactionMarkerBatch({ type, coordinatorEpoch }, { producerId, producerEpoch: epoch }),
    -1,
    AppendOrigin.Coordinator,
  );
}

/** One partition's batches in a raw Produce request (v9, acks=all); its partition response. */
export async function produceRaw(
  raw: RawClient,
  topic: string,
  records: Buffer,
  partition = 0,
): Promise<{ errorCode: number; baseOffset: number; errorMessage: string | null }> {
  const res = await raw.request('Produce', 9, {
    transactionalId: 'samsa-test-txn',
    acks: -1,
    timeoutMs: 5000,
    topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
  });
  return res.responses[0].partitionResponses[0];
}
