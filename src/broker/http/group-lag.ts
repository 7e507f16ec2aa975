import { decodeAssignment } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { compareStrings, type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import type { BrokerContext } from '../broker-context.js';

/** A partition of a group: its committed offset, and the partition's end and the lag where this broker holds a replica of it. */
export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** Undefined for an assigned partition with nothing committed. */
  committedOffset: number | undefined;
  /** The high watermark (what kafka_exporter's lag is measured to); undefined where no replica is here. */
  endOffset: number | undefined;
  lag: number | undefined;
  /** The member it is assigned to, if any. */
  memberId: string | undefined;
}

export interface GroupMemberView {
  memberId: string;
  groupInstanceId: string | null;
  clientId: string;
  clientHost: string;
  partitions: TopicPartition[];
}

export interface GroupView {
  groupId: string;
  state: string;
  protocolType: string;
  protocol: string;
  members: GroupMemberView[];
  partitions: GroupPartitionLag[];
}

/**
 * The groups this broker coordinates with their members and lag per
 * partition, as kafka-consumer-groups.sh --describe shows them (and Burrow
 * and kafka_exporter measure: committed offset against the high watermark).
 * Reads the coordinator's memory; a broker of a cluster knows the end of the
 * partitions it holds a replica of, and leaves the others' lag unknown.
 */
export function groupViews(context: BrokerContext): GroupView[] {
  const coordinator = context.groups;
  if (!coordinator?.isActive) return [];
  const views: GroupView[] = [];
  for (const listed of coordinator.listGroups([], []).groups) {
    const described = coordinator.describeGroup(listed.groupId);
    if (described.errorCode !== ErrorCode.NONE) continue;
    const members: GroupMemberView[] = described.members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      clientId: m.clientId,
      clientHost: m.clientHost,
      partitions: described.protocolType === 'consumer' ? assignedPartitions(m.memberAssignment) : [],
    }));
    const owner = new Map<string, string>();
    for (const m of members) for (const tp of m.partitions) owner.set(tpKey(tp.topic, tp.partition), m.memberId);
    const partitions = new Map<string, GroupPartitionLag>();
    const offsets = coordinator.fetchOffsets(listed.groupId, null);
    for (const t of offsets.errorCode === ErrorCode.NONE ? offsets.topics : []) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE || p.committedOffset < 0) continue;
        const key = tpKey(t.name, p.partitionIndex);
        partitions.set(key, partitionLag(context, t.name, p.partitionIndex, p.committedOffset, owner.get(key)));
      }
    }
    for (const [key, memberId] of owner) {
      if (partitions.has(key)) continue;
      const at = key.lastIndexOf(':');
      partitions.set(key, partitionLag(context, key.slice(0, at), Number(key.slice(at + 1)), undefined, memberId));
    }
    views.push({
      groupId: listed.groupId,
      state: described.groupState,
      protocolType: described.protocolType,
      protocol: described.protocolData,
      members,
      partitions: [...partitions.values()].sort((a, b) => compareStrings(a.topic, b.topic) || a.partition - b.partition),
    });
  }
  return views.sort((a, b) => compareStrings(a.groupId, b.groupId));
}

function partitionLag(
  context: BrokerContext,
  topic: string,
  partition: number,
  committed: number | undefined,
  memberId: string | undefined,
): GroupPartitionLag {
  const end = context.replicas.getPartition(topic, partition)?.highWatermark;
  const lag = end === undefined || committed === undefined ? undefined : Math.max(0, end - committed);
  return { topic, partition, committedOffset: committed, endOffset: end, lag, memberId };
}

/** A consumer's assignment, or nothing where it cannot be read (an unsettled generation's empty bytes, another client's layout). */
function assignedPartitions(bytes: Buffer): TopicPartition[] {
  if (bytes.length === 0) return [];
  try {
    return [...decodeAssignment(bytes).partitions];
  } catch {
    return [];
  }
}
