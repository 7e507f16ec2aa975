import type { Assignment, Subscription } from '../../../protocol/consumer-protocol.js';
import { compareStrings, type TopicPartition } from '../../../protocol/topic-partition.js';

/**
 * How members hand partitions over in a rebalance (Kafka's RebalanceProtocol).
 * EAGER: every member gives up everything before it rejoins. COOPERATIVE
 * (KIP-429): members keep what they own; a partition moving between members
 * is first revoked by its owner, then assigned in a follow-up rebalance.
 */
export type RebalanceProtocol = 'EAGER' | 'COOPERATIVE';

/** One member of the group as the leader sees it in the JoinGroup response. */
export interface GroupMember {
  readonly memberId: string;
  readonly groupInstanceId?: string | null;
  readonly subscription: Subscription;
}

/** What an assignor computes for one member. */
export interface MemberAssignment {
  readonly partitions: TopicPartition[];
  readonly userData?: Buffer | null;
}

/**
 * A partition assignor, shaped after Kafka's ConsumerPartitionAssignor. The
 * group leader runs `assign` with every member's subscription and the
 * partition count of every subscribed topic; each member then gets
 * `onAssignment` with its share.
 */
export interface ConsumerPartitionAssignor {
  /** The protocol name sent in JoinGroup ("range", "roundrobin", "sticky", "cooperative-sticky"). */
  readonly name: string;
  /** Rebalance protocols this assignor supports, preferred first. */
  readonly supportedProtocols: readonly RebalanceProtocol[];
  /** Extra bytes to put in this member's subscription. */
  subscriptionUserData?(topics: ReadonlySet<string>): Buffer | null;
  /**
   * Assigns partitions. `partitionsPerTopic` holds the subscribed topics that
   * exist; every member must appear in the result (with an empty list when it
   * gets nothing).
   */
  assign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly GroupMember[]): Map<string, MemberAssignment>;
  /** Called on every member with its assignment and the generation it belongs to. */
  onAssignment?(assignment: Assignment, generationId: number): void;
}

/**
 * Kafka's MemberInfo order: members with a group.instance.id first, by that
 * id; then the others by member id.
 */
export function compareMembers(a: GroupMember, b: GroupMember): number {
  const ai = a.groupInstanceId ?? null;
  const bi = b.groupInstanceId ?? null;
  if (ai !== null && bi !== null) return compareStrings(ai, bi) || compareStrings(a.memberId, b.memberId);
  if (ai !== null) return -1;
  if (bi !== null) return 1;
  return compareStrings(a.memberId, b.memberId);
}

export function emptyAssignment(members: readonly GroupMember[]): Map<string, MemberAssignment> {
  const out = new Map<string, MemberAssignment>();
  for (const m of members) out.set(m.memberId, { partitions: [] });
  return out;
}
