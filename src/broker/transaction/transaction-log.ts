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

/** A value read back into metadata, as Kafka's readTxnRecordValue builds it: the previous producer id and epoch are not kept. */
export function readTransactionLogValue(transactionalId: string, value: Buffer): TransactionMetadata {
  const r = new ProtocolReader(value);
  const version = r.int16();
  if (version < 0 || version > 1) throw new RangeError(`unknown TransactionLogValue version ${version}`);
  const flexible = version >= 1;
  const producerId = r.int64();
  const producerEpoch = r.int16();
  const txnTimeoutMs = r.int32();
  const state = stateFromId(r.int8());
  const partitions: TopicPartition[] = [];
  const topics = flexible ? r.compactArrayLength() : r.arrayLength();
  for (let i = 0; i < topics; i++) {
    const topic = flexible ? r.compactString() : r.string();
    const count = flexible ? r.compactArrayLength() : r.arrayLength();
    for (let j = 0; j < count; j++) partitions.push({ topic, partition: r.int32() });
    if (flexible) r.taggedFields();
  }
  const lastUpdate = r.int64();
  const start = r.int64();
  if (flexible) r.taggedFields();
  return new TransactionMetadata(
    transactionalId,
    producerId,
    NO_PRODUCER_ID,
    producerEpoch,
    NO_PRODUCER_EPOCH,
    txnTimeoutMs,
    state,
    partitions,
    start,
    lastUpdate,
  );
}
