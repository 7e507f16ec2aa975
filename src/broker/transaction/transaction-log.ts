import { ProtocolReader } from '../../protocol/reader.js';
import { groupByTopic, type TopicPartition } from '../../protocol/topic-partition.js';
import { ProtocolWriter } from '../../protocol/writer.js';
import { NO_PRODUCER_EPOCH, NO_PRODUCER_ID, TransactionMetadata, type TxnTransitMetadata } from './transaction-metadata.js';
import { stateFromId, TransactionState } from './transaction-state.js';

/**
 * The records of __transaction_state in Kafka's layouts (TransactionLogKey
 * and TransactionLogValue): the key is version 0 and the transactional id,
 * the value the id's producer, timeout, state and partitions. Kafka 3.x
 * writes value version 0; version 1 (flexible, with tagged previous/next
 * producer ids and the client's transaction version) is read too. A null
 * value is the tombstone of an expired id.
 */

const KEY_VERSION = 0;
const VALUE_VERSION = 0;

export function transactionLogKey(transactionalId: string): Buffer {
  return new ProtocolWriter(32).int16(KEY_VERSION).string(transactionalId).toBuffer();
}

/** The transactional id of a key; a key version Kafka never wrote is refused. */
export function readTransactionLogKey(key: Buffer): string {
  const r = new ProtocolReader(key);
  const version = r.int16();
  if (version !== 0) throw new RangeError(`unknown TransactionLogKey version ${version}`);
  return r.string();
}

export function transactionLogValue(t: TxnTransitMetadata): Buffer {
  if (t.state === TransactionState.Empty && t.partitions.size > 0) throw new RangeError('an Empty transaction has no partitions');
  const w = new ProtocolWriter(128);
  w.int16(VALUE_VERSION).int64(t.producerId).int16(t.producerEpoch).int32(t.txnTimeoutMs).int8(t.state);
  if (t.state === TransactionState.Empty) {
    w.arrayLength(null);
  } else {
    const byTopic = groupByTopic(t.partitions.values());
    w.arrayLength(byTopic.size);
    for (const [topic, partitions] of byTopic) {
      w.string(topic).arrayLength(partitions.length);
      for (const p of partitions) w.int32(p);
    }
  }
  w.int64(t.txnLastUpdateTimestamp).int64(t.txnStartTimestamp);
  return w.toBuffer();
}

/** A TransactionLogValue's fields as stored (Kafka's generated TransactionLogValue), for tools that print them. */
export interface TransactionLogValue {
  readonly version: number;
  readonly producerId: number;
  /** Tagged fields of version 1; -1 (and 0) when absent. */
  readonly previousProducerId: number;
  readonly nextProducerId: number;
  readonly producerEpoch: number;
  readonly transactionTimeoutMs: number;
  readonly transactionStatus: number;
  /** The partitions by topic, in stored order; null for the null list an Empty transaction stores. */
  readonly transactionPartitions: ReadonlyArray<{ readonly topic: string; readonly partitionIds: readonly number[] }> | null;
  readonly transactionLastUpdateTimestampMs: number;
  readonly transactionStartTimestampMs: number;
  readonly clientTransactionVersion: number;
}

export function decodeTransactionLogValue(value: Buffer): TransactionLogValue {
  const r = new ProtocolReader(value);
  const version = r.int16();
  if (version < 0 || version > 1) throw new RangeError(`unknown TransactionLogValue version ${version}`);
  const flexible = version >= 1;
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const transactionTimeoutMs = r.int32();
  const transactionStatus = r.int8();
  const topics = flexible ? r.compactArrayLength() : r.arrayLength();
  const partitions: Array<{ topic: string; partitionIds: number[] }> = [];
  for (let i = 0; i < topics; i++) {
    const topic = flexible ? r.compactString() : r.string();
    const count = flexible ? r.compactArrayLength() : r.arrayLength();
    partitions.push({ topic, partitionIds: Array.from({ length: count }, () => r.int32()) });
    if (flexible) r.taggedFields();
  }
  const transactionLastUpdateTimestampMs = r.int64();
  const transactionStartTimestampMs = r.int64();
  const tagged = { previousProducerId: -1, nextProducerId: -1, clientTransactionVersion: 0 };
  if (flexible) {
    r.taggedFields((tag, field) => {
      if (tag === 0) tagged.previousProducerId = field.int64();
      else if (tag === 1) tagged.nextProducerId = field.int64();
      else if (tag === 2) tagged.clientTransactionVersion = field.int16();
    });
  }
  return {
    version,
    producerId,
    ...tagged,
    producerEpoch,
    transactionTimeoutMs,
    transactionStatus,
    transactionPartitions: topics < 0 ? null : partitions,
    transactionLastUpdateTimestampMs,
    transactionStartTimestampMs,
  };
}

/** A value read back into metadata, as Kafka's readTxnRecordValue builds it: the previous producer id and epoch are not kept. */
export function readTransactionLogValue(transactionalId: string, value: Buffer): TransactionMetadata {
  const v = decodeTransactionLogValue(value);
  const partitions: TopicPartition[] = (v.transactionPartitions ?? []).flatMap(({ topic, partitionIds }) =>
    partitionIds.map((partition) => ({ topic, partition })),
  );
  return new TransactionMetadata(
    transactionalId,
    v.producerId,
    NO_PRODUCER_ID,
    v.producerEpoch,
    NO_PRODUCER_EPOCH,
    v.transactionTimeoutMs,
    stateFromId(v.transactionStatus),
    partitions,
    v.transactionStartTimestampMs,
    v.transactionLastUpdateTimestampMs,
  );
}
