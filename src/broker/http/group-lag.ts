import { decodeAssignment } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { compareStrings, type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import type { BrokerContext } from '../broker-context.js';
import type { LatestOffsetsLookup } from './latest-offsets.js';

/** A partition of a group: its committed offset, and the partition's end and the lag where its leader told them. */
export interface GroupPartitionLag {
  topic: string;
  partition: number;
  /** Undefined for an assigned partition with nothing committed. */
  committedOffset: number | undefined;
  /** The leader's high watermark (what kafka_exporter's lag is measured to); undefined where the leader is unknown or did not answer. */
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
 * Only the coordinator shows a group, so a cluster's brokers together show
 * each group once; its partitions' ends come from `latest` (their leaders),
 * asked once for every group's partitions together. A group whose
 * coordinator moved away while the leaders answered is left out.
 */
export async function groupViews(context: BrokerContext, latest: LatestOffsetsLookup): Promise<GroupView[]> {
  const coordinator = context.groups;
  if (!coordinator?.isActive) return [];
  const views: GroupView[] = [];
  const wanted = new Map<string, TopicPartition>();
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
    const partitions = new Map<string, GroupPartitionLag>();
    const add = (topic: string, partition: number, committedOffset: number | undefined, memberId: string | undefined) => {
      const key = tpKey(topic, partition);
      partitions.set(key, { topic, partition, committedOffset, endOffset: undefined, lag: undefined, memberId });
      if (!wanted.has(key)) wanted.set(key, { topic, partition });
    };
    const owner = new Map<string, string>();
    for (const m of members) for (const tp of m.partitions) owner.set(tpKey(tp.topic, tp.partition), m.memberId);
    const offsets = coordinator.fetchOffsets(listed.groupId, null);
    for (const t of offsets.errorCode === ErrorCode.NONE ? offsets.topics : []) {
      for (const p of t.partitions) {
        if (p.errorCode !== ErrorCode.NONE || p.committedOffset < 0) continue;
        add(t.name, p.partitionIndex, p.committedOffset, owner.get(tpKey(t.name, p.partitionIndex)));
      }
    }
    for (const m of members)
      for (const tp of m.partitions) if (!partitions.has(tpKey(tp.topic, tp.partition))) add(tp.topic, tp.partition, undefined, m.memberId);
    views.push({
      groupId: listed.groupId,
      state: described.groupState,
      protocolType: described.protocolType,
      protocol: described.protocolData,
      members,
      partitions: [...partitions.values()].sort((a, b) => compareStrings(a.topic, b.topic) || a.partition - b.partition),
    });
  }
  const ends = wanted.size > 0 ? await latest([...wanted.values()]) : new Map<string, number>();
  for (const view of views) {
    for (const p of view.partitions) {
      const end = ends.get(tpKey(p.topic, p.partition));
      p.endOffset = end;
      if (end !== undefined && p.committedOffset !== undefined) p.lag = Math.max(0, end - p.committedOffset);
    }
  }
  return views.filter((v) => coordinator.isCoordinatorFor(v.groupId)).sort((a, b) => compareStrings(a.groupId, b.groupId));
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
