import { CONSUMER_PROTOCOL_TYPE, subscribedTopics } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { type JoinGroupResult, joinError, type MemberProtocol, type SyncGroupResult } from './group-requests.js';
import type { MemberMetadata } from './member-metadata.js';
import { PendingTxnOffsets } from './pending-txn-offsets.js';

/** Kafka's classic group states, by Kafka's names (DescribeGroups and ListGroups report them). */
export type GroupState = 'Empty' | 'PreparingRebalance' | 'CompletingRebalance' | 'Stable' | 'Dead';

export const GROUP_STATES: readonly GroupState[] = ['Empty', 'PreparingRebalance', 'CompletingRebalance', 'Stable', 'Dead'];

/** The states each state may be entered from (Kafka's validPreviousStates). */
const VALID_PREVIOUS: Record<GroupState, readonly GroupState[]> = {
  Empty: ['PreparingRebalance'],
  PreparingRebalance: ['Stable', 'CompletingRebalance', 'Empty'],
  CompletingRebalance: ['PreparingRebalance'],
  Stable: ['CompletingRebalance'],
  Dead: ['Stable', 'PreparingRebalance', 'CompletingRebalance', 'Empty', 'Dead'],
};

/** A committed offset as the coordinator keeps it. */
export interface CommittedOffset {
  offset: number;
  leaderEpoch: number;
  metadata: string;
  commitTimestamp: number;
  /** -1: expires by offsets.retention.minutes. */
  expireTimestamp: number;
  /** Where in __consumer_offsets the commit was written, when known: of two commits of a partition the later written wins (transactions end after later commits). */
  appendedBatchOffset?: number;
}

/**
 * One classic group (Kafka's GroupMetadata): state, generation, protocol,
 * leader, members (dynamic, pending and static), the rebalance in progress
 * and the committed offsets.
 */
export class GroupMetadata {
  state: GroupState;
  generationId = 0;
  protocolType: string | null = null;
  protocolName: string | null = null;
  leaderId: string | null = null;
  currentStateTimestamp: number | null = null;
  readonly members = new Map<string, MemberMetadata>();
  /** Member ids handed out by MEMBER_ID_REQUIRED that have not joined with them yet (KIP-394). */
  readonly pendingMembers = new Set<string>();
  /** group.instance.id → member id (KIP-345). */
  readonly staticMembers = new Map<string, string>();
  /** Members that got their JoinGroup response but have not sent SyncGroup yet. */
  readonly pendingSyncMembers = new Set<string>();
  numMembersAwaitingJoin = 0;
  private readonly supportedProtocols = new Map<string, number>();
  /** A member joined during the initial rebalance delay, which then extends. */
  newMemberAdded = false;
  /** Topics the members subscribe to (consumer groups); null when unknown. */
  subscribedTopics: Set<string> | null = null;
  /** topic → partition → offset. */
  readonly offsets = new Map<string, Map<number, CommittedOffset>>();
  /** Offsets committed in transactions not yet ended (TxnOffsetCommit). */
  readonly pendingTxnOffsets = new PendingTxnOffsets();

  constructor(
    readonly groupId: string,
    initialState: GroupState,
    private readonly now: () => number,
  ) {
    this.state = initialState;
  }

  is(state: GroupState): boolean {
    return this.state === state;
  }

  transitionTo(state: GroupState): void {
    if (!VALID_PREVIOUS[state].includes(this.state)) throw new Error(`group ${this.groupId} cannot go from ${this.state} to ${state}`);
    this.state = state;
    this.currentStateTimestamp = this.now();
  }

  get canRebalance(): boolean {
    return VALID_PREVIOUS.PreparingRebalance.includes(this.state);
  }

  get size(): number {
    return this.members.size;
  }

  has(memberId: string): boolean {
    return this.members.has(memberId);
  }

  get(memberId: string): MemberMetadata {
    const member = this.members.get(memberId);
    if (!member) throw new Error(`group ${this.groupId} has no member ${memberId}`);
    return member;
  }

  isLeader(memberId: string): boolean {
    return this.leaderId === memberId;
  }

  get isConsumerGroup(): boolean {
    return this.protocolType === CONSUMER_PROTOCOL_TYPE;
  }

  // --- members -------------------------------------------------------------

  add(member: MemberMetadata, callback: ((r: JoinGroupResult) => void) | null): void {
    if (this.members.size === 0) this.protocolType = member.protocolType;
    if (this.leaderId === null) this.leaderId = member.memberId;
    this.members.set(member.memberId, member);
    this.countProtocols(member.protocols, 1);
    member.awaitingJoin = callback;
    if (member.isAwaitingJoin) this.numMembersAwaitingJoin++;
    this.removePendingMember(member.memberId);
  }

  remove(memberId: string): void {
    const member = this.members.get(memberId);
    if (member) {
      this.countProtocols(member.protocols, -1);
      if (member.isAwaitingJoin) this.numMembersAwaitingJoin--;
      this.members.delete(memberId);
    }
    if (this.isLeader(memberId)) this.leaderId = this.members.keys().next().value ?? null;
    this.removePendingMember(memberId);
    this.pendingSyncMembers.delete(memberId);
  }

  updateMember(
    member: MemberMetadata,
    protocols: MemberProtocol[],
    rebalanceTimeoutMs: number,
    sessionTimeoutMs: number,
    callback: ((r: JoinGroupResult) => void) | null,
  ): void {
    this.countProtocols(member.protocols, -1);
    this.countProtocols(protocols, 1);
    member.protocols = protocols;
    member.rebalanceTimeoutMs = rebalanceTimeoutMs;
    member.sessionTimeoutMs = sessionTimeoutMs;
    const previous = member.awaitingJoin;
    if (callback && !previous) this.numMembersAwaitingJoin++;
    else if (!callback && previous) this.numMembersAwaitingJoin--;
    member.awaitingJoin = callback;
    // A JoinGroup sent again while the first still waits: the first is answered rather than left hanging.
    if (previous && callback && previous !== callback) previous(joinError(member.memberId, ErrorCode.REBALANCE_IN_PROGRESS));
  }

  maybeInvokeJoinCallback(member: MemberMetadata, result: JoinGroupResult): void {
    const callback = member.awaitingJoin;
    if (!callback) return;
    member.awaitingJoin = null;
    this.numMembersAwaitingJoin--;
    callback(result);
  }

  maybeInvokeSyncCallback(member: MemberMetadata, result: SyncGroupResult): boolean {
    const callback = member.awaitingSync;
    if (!callback) return false;
    member.awaitingSync = null;
    callback(result);
    return true;
  }

  addPendingMember(memberId: string): void {
    this.pendingMembers.add(memberId);
  }

  isPendingMember(memberId: string): boolean {
    return this.pendingMembers.has(memberId);
  }

  removePendingMember(memberId: string): void {
    this.pendingMembers.delete(memberId);
  }

  hasStaticMember(groupInstanceId: string | null): boolean {
    return groupInstanceId !== null && this.staticMembers.has(groupInstanceId);
  }

  currentStaticMemberId(groupInstanceId: string): string | undefined {
    return this.staticMembers.get(groupInstanceId);
  }

  addStaticMember(groupInstanceId: string, memberId: string): void {
    this.staticMembers.set(groupInstanceId, memberId);
  }

  removeStaticMember(groupInstanceId: string | null): void {
    if (groupInstanceId !== null) this.staticMembers.delete(groupInstanceId);
  }

  /** A static member's instance id now belongs to another member id: requests from the old one are fenced. */
  isStaticMemberFenced(groupInstanceId: string | null, memberId: string): boolean {
    if (groupInstanceId === null) return false;
    const current = this.staticMembers.get(groupInstanceId);
    return current !== undefined && current !== memberId;
  }

  /**
   * A static member rejoining without its member id gets a new one; whoever
   * still waits under the old id is fenced (FENCED_INSTANCE_ID).
   */
  replaceStaticMember(groupInstanceId: string, oldMemberId: string, newMemberId: string, fenced: JoinGroupResult, fencedSync: SyncGroupResult): MemberMetadata {
    const member = this.members.get(oldMemberId);
    if (!member) throw new Error(`static member ${groupInstanceId} has no member ${oldMemberId}`);
    this.maybeInvokeJoinCallback(member, fenced);
    this.maybeInvokeSyncCallback(member, fencedSync);
    this.members.delete(oldMemberId);
    member.memberId = newMemberId;
    this.members.set(newMemberId, member);
    if (this.isLeader(oldMemberId)) this.leaderId = newMemberId;
    this.staticMembers.set(groupInstanceId, newMemberId);
    if (this.pendingSyncMembers.delete(oldMemberId)) this.pendingSyncMembers.add(newMemberId);
    return member;
  }

  /** Every member rejoined and no KIP-394 member is still to come. */
  get hasAllMembersJoined(): boolean {
    return this.members.size === this.numMembersAwaitingJoin && this.pendingMembers.size === 0;
  }

  notYetRejoinedMembers(): MemberMetadata[] {
    return [...this.members.values()].filter((m) => !m.isAwaitingJoin);
  }

  /** The largest rebalance timeout among the members: how long a rebalance may wait for them. */
  get rebalanceTimeoutMs(): number {
    let max = 0;
    for (const m of this.members.values()) max = Math.max(max, m.rebalanceTimeoutMs);
    return max;
  }

  /** Keeps the leader if it rejoined; otherwise any rejoined member leads. False if nobody rejoined. */
  maybeElectNewJoinedLeader(): boolean {
    if (this.leaderId === null) return false;
    const leader = this.members.get(this.leaderId);
    if (leader?.isAwaitingJoin) return true;
    for (const m of this.members.values()) {
      if (m.isAwaitingJoin) {
        this.leaderId = m.memberId;
        return true;
      }
    }
    return false;
  }

  // --- protocols -----------------------------------------------------------

  private countProtocols(protocols: readonly MemberProtocol[], delta: number): void {
    for (const p of new Set(protocols.map((x) => x.name))) {
      const n = (this.supportedProtocols.get(p) ?? 0) + delta;
      if (n <= 0) this.supportedProtocols.delete(p);
      else this.supportedProtocols.set(p, n);
    }
  }

  /** Whether a member with these protocols may join: same protocol type, and a protocol every member shares. */
  supportsProtocols(protocolType: string, protocols: readonly MemberProtocol[]): boolean {
    if (this.is('Empty')) return protocolType !== '' && protocols.length > 0;
    return this.protocolType === protocolType && protocols.some((p) => (this.supportedProtocols.get(p.name) ?? 0) === this.members.size);
  }

  /** Protocols every member supports. */
  candidateProtocols(): Set<string> {
    const out = new Set<string>();
    for (const [name, count] of this.supportedProtocols) if (count === this.members.size) out.add(name);
    return out;
  }

  /** Kafka's selection: each member votes for its most preferred candidate; the most votes wins (first counted on a tie). */
  selectProtocol(): string {
    if (this.members.size === 0) throw new Error(`cannot select a protocol for empty group ${this.groupId}`);
    const candidates = this.candidateProtocols();
    const votes = new Map<string, number>();
    for (const m of this.members.values()) {
      const choice = m.vote(candidates);
      votes.set(choice, (votes.get(choice) ?? 0) + 1);
    }
    let best = '';
    let most = -1;
    for (const [name, count] of votes) {
      if (count > most) {
        best = name;
        most = count;
      }
    }
    return best;
  }

  /** Moves to the next generation: CompletingRebalance with a protocol, or Empty when nobody is left. */
  initNextGeneration(): void {
    this.generationId++;
    if (this.members.size > 0) {
      this.protocolName = this.selectProtocol();
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('CompletingRebalance');
    } else {
      this.protocolName = null;
      this.subscribedTopics = this.computeSubscribedTopics();
      this.transitionTo('Empty');
    }
    this.pendingSyncMembers.clear();
  }

  /** The union of the members' subscriptions for consumer groups; null when any subscription cannot be read. */
  computeSubscribedTopics(): Set<string> | null {
    if (!this.isConsumerGroup) return null;
    if (this.members.size === 0) return new Set();
    if (this.protocolName === null) return null;
    const topics = new Set<string>();
    for (const m of this.members.values()) {
      const found = m.protocols.find((p) => p.name === this.protocolName);
      const list = found ? subscribedTopics(found.metadata) : null;
      if (list === null) return null;
      for (const t of list) topics.add(t);
    }
    return topics;
  }

  /** Unknown subscriptions count as subscribed to everything, as in Kafka. */
  isSubscribedToTopic(topic: string): boolean {
    return this.subscribedTopics === null || this.subscribedTopics.has(topic);
  }

  /** The members as the leader sees them in its JoinGroup response. */
  currentMemberMetadata(): JoinGroupResult['members'] {
    if (this.protocolName === null) throw new Error(`group ${this.groupId} has no protocol`);
    const protocol = this.protocolName;
    return [...this.members.values()].map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, metadata: m.metadataFor(protocol) }));
  }

  // --- offsets -------------------------------------------------------------

  offset(topic: string, partition: number): CommittedOffset | undefined {
    return this.offsets.get(topic)?.get(partition);
  }

  putOffset(topic: string, partition: number, offset: CommittedOffset): void {
    let byPartition = this.offsets.get(topic);
    if (!byPartition) this.offsets.set(topic, (byPartition = new Map()));
    byPartition.set(partition, offset);
  }

  removeOffset(topic: string, partition: number): boolean {
    this.pendingTxnOffsets.remove(topic, partition);
    const byPartition = this.offsets.get(topic);
    if (!byPartition?.delete(partition)) return false;
    if (byPartition.size === 0) this.offsets.delete(topic);
    return true;
  }

  get hasOffsets(): boolean {
    return this.offsets.size > 0 || !this.pendingTxnOffsets.isEmpty;
  }

  /**
   * A producer's transaction ended (its marker is in the group's partition):
   * on commit its written offsets become the group's, each unless the
   * partition's offset was written after it (Kafka's completePendingTxnOffsetCommit).
   */
  completeTxnOffsets(producerId: number, committed: boolean): number {
    const done = this.pendingTxnOffsets.complete(producerId);
    if (!committed) return 0;
    let applied = 0;
    for (const { topic, partition, offset } of done) {
      const current = this.offset(topic, partition);
      if (current !== undefined && (current.appendedBatchOffset ?? -1) > offset.appendedBatchOffset!) continue;
      this.putOffset(topic, partition, offset);
      applied++;
    }
    return applied;
  }

  allOffsets(): Array<{ topic: string; partition: number; offset: CommittedOffset }> {
    const out: Array<{ topic: string; partition: number; offset: CommittedOffset }> = [];
    for (const [topic, byPartition] of this.offsets) for (const [partition, offset] of byPartition) out.push({ topic, partition, offset });
    return out;
  }
}
