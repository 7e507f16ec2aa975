// kafka-dump-log.sh's --offsets-decoder and --transaction-log-decoder: the
// records of __consumer_offsets and __transaction_state printed as the JSON
// Kafka's generated JsonConverters write (`{"type":"1","data":{…}}` for a
// key, `{"version":"3","data":{…}}` for a value, `<DELETE>` for a tombstone),
// a consumer group's member subscriptions and assignments decoded.
import { decodeGroupMetadataValue, decodeKey, decodeOffsetCommitValue } from '../broker/group/offsets-records.js';
import { decodeTransactionLogValue, readTransactionLogKey } from '../broker/transaction/transaction-log.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription } from '../protocol/consumer-protocol.js';
import type { TopicPartition } from '../protocol/topic-partition.js';

/** What a decoder prints for a record: its key and (absent when undecodable) its payload. */
export interface Decoded {
  readonly key: string;
  readonly payload: string | null;
}

export type RecordDecoder = (record: { offset: number; key: Buffer | null; value: Buffer | null }) => Decoded;

const json = JSON.stringify;

/** Jackson writes bytes as base64. */
const bytesJson = (b: Buffer | null) => (b === null ? 'null' : json(b.toString('base64')));

/** Kafka's [{topic, partitions}] from flattened partitions, grouped in order. */
function topicPartitionsJson(partitions: readonly TopicPartition[], field: string): string {
  const groups: Array<{ topic: string; partitions: number[] }> = [];
  for (const p of partitions) {
    const last = groups[groups.length - 1];
    if (last?.topic === p.topic) last.partitions.push(p.partition);
    else groups.push({ topic: p.topic, partitions: [p.partition] });
  }
  return `[${groups.map((g) => `{"topic":${json(g.topic)},"${field}":[${g.partitions.join(',')}]}`).join(',')}]`;
}

function subscriptionJson(bytes: Buffer): string {
  const s = decodeSubscription(bytes);
  let out = `{"topics":${json(s.topics)},"userData":${bytesJson(s.userData)}`;
  if (s.version >= 1) out += `,"ownedPartitions":${topicPartitionsJson(s.ownedPartitions, 'partitions')}`;
  if (s.version >= 2) out += `,"generationId":${s.generationId}`;
  if (s.version >= 3) out += `,"rackId":${json(s.rackId)}`;
  return `${out}}`;
}

function assignmentJson(bytes: Buffer): string {
  const a = decodeAssignment(bytes);
  return `{"assignedPartitions":${topicPartitionsJson(a.partitions, 'partitions')},"userData":${bytesJson(a.userData)}}`;
}

/** Kafka's replace(): the member's bytes as the consumer protocol's JSON, or left as bytes when they are not that. */
function memberBytes(bytes: Buffer, decode: (b: Buffer) => string, consumer: boolean): string {
  if (!consumer) return bytesJson(bytes);
  try {
    return decode(bytes);
  } catch {
    return bytesJson(bytes);
  }
}

function offsetCommitValueJson(value: Buffer): string {
  const version = value.readInt16BE(0);
  const v = decodeOffsetCommitValue(value);
  let data = `{"offset":${v.offset}`;
  if (version >= 3) data += `,"leaderEpoch":${v.leaderEpoch}`;
  data += `,"metadata":${json(v.metadata)},"commitTimestamp":${v.commitTimestamp}`;
  if (version === 1) data += `,"expireTimestamp":${v.expireTimestamp}`;
  return `{"version":"${version}","data":${data}}}`;
}

function groupMetadataValueJson(value: Buffer): string {
  const version = value.readInt16BE(0);
  const g = decodeGroupMetadataValue(value);
  const consumer = g.protocolType === CONSUMER_PROTOCOL_TYPE;
  const members = g.members.map((m) => {
    let out = `{"memberId":${json(m.memberId)}`;
    if (version >= 3) out += `,"groupInstanceId":${json(m.groupInstanceId)}`;
    out += `,"clientId":${json(m.clientId)},"clientHost":${json(m.clientHost)}`;
    if (version >= 1) out += `,"rebalanceTimeout":${m.rebalanceTimeoutMs}`;
    out += `,"sessionTimeout":${m.sessionTimeoutMs}`;
    out += `,"subscription":${memberBytes(m.subscription, subscriptionJson, consumer)},"assignment":${memberBytes(m.assignment, assignmentJson, consumer)}}`;
    return out;
  });
  let data = `{"protocolType":${json(g.protocolType)},"generation":${g.generation},"protocol":${json(g.protocol)},"leader":${json(g.leader)}`;
  if (version >= 2) data += `,"currentStateTimestamp":${g.currentStateTimestamp}`;
  return `{"version":"${version}","data":${data},"members":[${members.join(',')}]}}`;
}

/** --offsets-decoder: __consumer_offsets' offset commits and group metadata. */
export const offsetsDecoder: RecordDecoder = (record) => {
  if (record.key === null) throw new Error(`Failed to decode message at offset ${record.offset} using offset topic decoder (message had a missing key)`);
  try {
    const key = decodeKey(record.key);
    if (key.kind === 'other') return { key: `Unknown record type ${key.version} at offset ${record.offset}, skipping.`, payload: null };
    if (key.kind === 'offset') {
      return {
        key: `{"type":"${record.key.readInt16BE(0)}","data":{"group":${json(key.group)},"topic":${json(key.topic)},"partition":${key.partition}}}`,
        payload: record.value === null ? '<DELETE>' : offsetCommitValueJson(record.value),
      };
    }
    return {
      key: `{"type":"${record.key.readInt16BE(0)}","data":{"group":${json(key.group)}}}`,
      payload: record.value === null ? '<DELETE>' : groupMetadataValueJson(record.value),
    };
  } catch (error) {
    return { key: `Error at offset ${record.offset}, skipping. ${(error as Error).message}`, payload: null };
  }
};

function transactionLogValueJson(value: Buffer): string {
  const v = decodeTransactionLogValue(value);
  const flexible = v.version >= 1;
  const partitions =
    v.transactionPartitions === null
      ? 'null'
      : `[${v.transactionPartitions.map((p) => `{"topic":${json(p.topic)},"partitionIds":[${p.partitionIds.join(',')}]}`).join(',')}]`;
  let data = `{"producerId":${v.producerId}`;
  if (flexible) data += `,"previousProducerId":${v.previousProducerId},"nextProducerId":${v.nextProducerId}`;
  data += `,"producerEpoch":${v.producerEpoch},"transactionTimeoutMs":${v.transactionTimeoutMs},"transactionStatus":${v.transactionStatus},"transactionPartitions":${partitions}`;
  data += `,"transactionLastUpdateTimestampMs":${v.transactionLastUpdateTimestampMs},"transactionStartTimestampMs":${v.transactionStartTimestampMs}`;
  if (flexible) data += `,"clientTransactionVersion":${v.clientTransactionVersion}`;
  return `{"version":"${v.version}","data":${data}}}`;
}

/** --transaction-log-decoder: __transaction_state's transactions. */
export const transactionLogDecoder: RecordDecoder = (record) => {
  if (record.key === null)
    throw new Error(`Failed to decode message at offset ${record.offset} using offset transaction-log decoder (message had a missing key)`);
  const version = record.key.readInt16BE(0);
  if (version !== 0) return { key: `Unknown record type ${version} at offset ${record.offset}, skipping.`, payload: null };
  const id = readTransactionLogKey(record.key);
  return {
    key: `{"type":"0","data":{"transactionalId":${json(id)}}}`,
    payload: record.value === null ? '<DELETE>' : transactionLogValueJson(record.value),
  };
};
