import { ProtocolReader } from '../../protocol/reader.js';
import { ProtocolWriter } from '../../protocol/writer.js';

/**
 * The records of __consumer_offsets, in Kafka's layouts: every key and value
 * starts with an int16 version. Keys of version 0 and 1 are offset commits
 * (group, topic, partition), version 2 is a group's metadata; higher versions
 * belong to the newer (KIP-848, share) coordinators and are skipped by this one.
 * Values of version 4 and above are flexible (compact lengths, tagged fields).
 */

export const OFFSET_COMMIT_KEY_VERSION = 1;
export const OFFSET_COMMIT_VALUE_VERSION = 3;
/** Written instead of version 3 when a commit carries its own expiry (OffsetCommit v1-v4 retention). */
export const OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY = 1;
export const GROUP_METADATA_KEY_VERSION = 2;
export const GROUP_METADATA_VALUE_VERSION = 3;

export type OffsetsRecordKey =
  | { kind: 'offset'; group: string; topic: string; partition: number }
  | { kind: 'group'; group: string }
  | { kind: 'other'; version: number };

export interface OffsetCommitRecord {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1: none (expiry follows offsets.retention.minutes). */
  expireTimestamp: number;
}

export interface StoredMember {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  rebalanceTimeoutMs: number;
  sessionTimeoutMs: number;
  subscription: Buffer;
  assignment: Buffer;
}

export interface GroupMetadataRecord {
  protocolType: string;
  generation: number;
  protocol: string | null;
  leader: string | null;
  currentStateTimestamp: number;
  members: StoredMember[];
}

export function offsetCommitKey(group: string, topic: string, partition: number): Buffer {
  return new ProtocolWriter(64).int16(OFFSET_COMMIT_KEY_VERSION).string(group).string(topic).int32(partition).toBuffer();
}

export function groupMetadataKey(group: string): Buffer {
  return new ProtocolWriter(32).int16(GROUP_METADATA_KEY_VERSION).string(group).toBuffer();
}

export function offsetCommitValue(v: OffsetCommitRecord): Buffer {
  const w = new ProtocolWriter(64);
  if (v.expireTimestamp >= 0) {
    // Version 1 is the only one that can carry an explicit expiry.
    return w.int16(OFFSET_COMMIT_VALUE_VERSION_WITH_EXPIRY).int64(v.offset).string(v.metadata).int64(v.commitTimestamp).int64(v.expireTimestamp).toBuffer();
  }
  return w.int16(OFFSET_COMMIT_VALUE_VERSION).int64(v.offset).int32(v.leaderEpoch).string(v.metadata).int64(v.commitTimestamp).toBuffer();
}

export function groupMetadataValue(v: GroupMetadataRecord): Buffer {
  const w = new ProtocolWriter(256);
  w.int16(GROUP_METADATA_VALUE_VERSION)
    .string(v.protocolType)
    .int32(v.generation)
    .nullableString(v.protocol)
    .nullableString(v.leader)
    .int64(v.currentStateTimestamp);
  w.arrayLength(v.members.length);
  for (const m of v.members) {
    w.string(m.memberId).nullableString(m.groupInstanceId).string(m.clientId).string(m.clientHost);
    w.int32(m.rebalanceTimeoutMs).int32(m.sessionTimeoutMs).bytes(m.subscription).bytes(m.assignment);
  }
  return w.toBuffer();
}

export function decodeKey(key: Buffer): OffsetsRecordKey {
  const r = new ProtocolReader(key);
  const version = r.int16();
  if (version === 0 || version === 1) return { kind: 'offset', group: r.string(), topic: r.string(), partition: r.int32() };
  if (version === 2) return { kind: 'group', group: r.string() };
  return { kind: 'other', version };
}

export function decodeOffsetCommitValue(value: Buffer): OffsetCommitRecord {
  const r = new ProtocolReader(value);
  const version = r.int16();
  if (version < 0 || version > 4) throw new RangeError(`unknown OffsetCommitValue version ${version}`);
  const flexible = version >= 4;
  const offset = r.int64();
  const leaderEpoch = version >= 3 ? r.int32() : -1;
  const metadata = flexible ? r.compactString() : r.string();
  const commitTimestamp = r.int64();
  const expireTimestamp = version === 1 ? r.int64() : -1;
  if (flexible) r.taggedFields();
  return { offset, leaderEpoch, metadata, commitTimestamp, expireTimestamp };
}

export function decodeGroupMetadataValue(value: Buffer): GroupMetadataRecord {
  const r = new ProtocolReader(value);
  const version = r.int16();
  if (version < 0 || version > 4) throw new RangeError(`unknown GroupMetadataValue version ${version}`);
  const flexible = version >= 4;
  const str = () => (flexible ? r.compactString() : r.string());
  const nullableStr = () => (flexible ? r.compactNullableString() : r.nullableString());
  const protocolType = str();
  const generation = r.int32();
  const protocol = nullableStr();
  const leader = nullableStr();
  const currentStateTimestamp = version >= 2 ? r.int64() : -1;
  const count = flexible ? r.compactArrayLength() : r.arrayLength();
  const members: StoredMember[] = [];
  for (let i = 0; i < count; i++) {
    const memberId = str();
    const groupInstanceId = version >= 3 ? nullableStr() : null;
    const clientId = str();
    const clientHost = str();
    const rebalanceTimeoutMs = version >= 1 ? r.int32() : -1;
    const sessionTimeoutMs = r.int32();
    const subscription = Buffer.from(flexible ? r.compactBytes() : r.bytes());
    const assignment = Buffer.from(flexible ? r.compactBytes() : r.bytes());
    if (flexible) r.taggedFields();
    members.push({
      memberId,
      groupInstanceId,
      clientId,
      clientHost,
      rebalanceTimeoutMs: rebalanceTimeoutMs < 0 ? sessionTimeoutMs : rebalanceTimeoutMs,
      sessionTimeoutMs,
      subscription,
      assignment,
    });
  }
  if (flexible) r.taggedFields();
  return { protocolType, generation, protocol, leader, currentStateTimestamp, members };
}
