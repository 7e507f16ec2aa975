import { type Assignment, DEFAULT_GENERATION, readTopicPartitions, writeTopicPartitions } from '../../../protocol/consumer-protocol.js';
import { ProtocolReader } from '../../../protocol/reader.js';
import { compareStrings, type TopicPartition } from '../../../protocol/topic-partition.js';
import { ProtocolWriter } from '../../../protocol/writer.js';
import type { ConsumerPartitionAssignor, GroupMember, MemberAssignment, RebalanceProtocol } from './assignor.js';

/** What a member owned before this rebalance, and in which generation. */
export interface MemberData {
  readonly partitions: readonly TopicPartition[];
  /** undefined when the member did not say (Kafka's Optional.empty(), read as DEFAULT_GENERATION). */
  readonly generation: number | undefined;
}

export interface StickyResult {
  readonly assignment: Map<string, TopicPartition[]>;
  /** Partitions that end with a different member than the one that validly owns them now (or that two members claim). */
  readonly transferring: Map<string, TopicPartition[]>;
}

/**
 * The sticky assignment shared by StickyAssignor and CooperativeStickyAssignor
 * (Kafka's AbstractStickyAssignor, written afresh): the result is as balanced
 * as the subscriptions allow, and keeps as many partitions as possible with
 * the member that owned them.
 *
 * Previous ownership: a partition claimed by several members goes to the claim
 * of the highest generation; two claims in the same generation cancel out
 * (Kafka logs that as an error and invalidates both). Claims of partitions
 * that no longer exist or whose topic the member no longer subscribes to are
 * dropped.
 *
 * When every member subscribes to the same topics, members get ⌊P/N⌋ or
 * ⌈P/N⌉ partitions: the ⌈P/N⌉ places go first to members already owning that
 * many; members keep their owned partitions up to their quota and the rest is
 * handed to members below theirs (a partition's previous-generation owner
 * first). Otherwise, unowned partitions go, those with the fewest eligible
 * members first, to the eligible member owning the fewest, then single
 * partitions move from a member to an eligible one with at least two fewer
 * until no such move remains (each move lowers the sum of squared loads, so
 * this ends). Everything is ordered by member id and topic-partition, so the
 * same input always gives the same assignment.
 */
export function stickyAssign(
  partitionsPerTopic: ReadonlyMap<string, number>,
  members: ReadonlyArray<{ readonly memberId: string; readonly topics: readonly string[]; readonly data: MemberData }>,
): StickyResult {
  const sorted = [...members].sort((a, b) => compareStrings(a.memberId, b.memberId));
  const n = sorted.length;
  const subscriptions = sorted.map((m) => new Set(m.topics.filter((t) => partitionsPerTopic.has(t))));

  // Index every subscribed partition: topics sorted, partitions in order.
  const topics = [...new Set(subscriptions.flatMap((s) => [...s]))].sort(compareStrings);
  const topicBase = new Map<string, number>();
  const partitionTopic: number[] = [];
  const partitionNumber: number[] = [];
  for (let t = 0; t < topics.length; t++) {
    const topic = topics[t]!;
    topicBase.set(topic, partitionTopic.length);
    const count = partitionsPerTopic.get(topic)!;
    for (let p = 0; p < count; p++) {
      partitionTopic.push(t);
      partitionNumber.push(p);
    }
  }
  const total = partitionTopic.length;
  const eligibleByTopic: number[][] = topics.map((topic) => {
    const list: number[] = [];
    for (let i = 0; i < n; i++) if (subscriptions[i]!.has(topic)) list.push(i);
    return list;
  });

  // Previous ownership, highest generation first.
  const claimOwner = new Int32Array(total).fill(-1);
  const claimGeneration = new Float64Array(total).fill(-Infinity);
  const conflicted = new Uint8Array(total);
  const previousOwner = new Int32Array(total).fill(-1);
  const previousGeneration = new Float64Array(total).fill(-Infinity);
  for (let i = 0; i < n; i++) {
    const member = sorted[i]!;
    const generation = member.data.generation ?? DEFAULT_GENERATION;
    const seen = new Set<number>();
    for (const tp of member.data.partitions) {
      if (!subscriptions[i]!.has(tp.topic)) continue;
      const base = topicBase.get(tp.topic)!;
      if (!Number.isInteger(tp.partition) || tp.partition < 0 || tp.partition >= partitionsPerTopic.get(tp.topic)!) continue;
      const p = base + tp.partition;
      if (seen.has(p)) continue;
      seen.add(p);
      if (generation > claimGeneration[p]!) {
        if (claimOwner[p]! >= 0 && !conflicted[p]) {
          previousOwner[p] = claimOwner[p]!;
          previousGeneration[p] = claimGeneration[p]!;
        }
        claimOwner[p] = i;
        claimGeneration[p] = generation;
        conflicted[p] = 0;
      } else if (generation === claimGeneration[p]) {
        conflicted[p] = 1;
      } else if (generation > previousGeneration[p]!) {
        previousOwner[p] = i;
        previousGeneration[p] = generation;
      }
    }
  }

  const owner = new Int32Array(total).fill(-1);
  const counts = new Int32Array(n);
  for (let p = 0; p < total; p++) {
    if (claimOwner[p]! >= 0 && !conflicted[p]) {
      owner[p] = claimOwner[p]!;
      counts[claimOwner[p]!]!++;
    } else if (conflicted[p]) {
      previousOwner[p] = -1;
    }
  }

  const allSame = n > 0 && subscriptions.every((s) => s.size === subscriptions[0]!.size && [...s].every((t) => subscriptions[0]!.has(t)));
  if (n > 0 && allSame) balanceEqualSubscriptions(owner, counts, previousOwner, total, n);
  else if (n > 0) balanceGeneral(owner, counts, previousOwner, partitionTopic, eligibleByTopic, total, n);

  const assignment = new Map<string, TopicPartition[]>();
  const transferring = new Map<string, TopicPartition[]>();
  for (const m of sorted) {
    assignment.set(m.memberId, []);
    transferring.set(m.memberId, []);
  }
  for (let p = 0; p < total; p++) {
    const o = owner[p]!;
    if (o < 0) continue;
    const tp = { topic: topics[partitionTopic[p]!]!, partition: partitionNumber[p]! };
    const memberId = sorted[o]!.memberId;
    assignment.get(memberId)!.push(tp);
    if (conflicted[p] || (claimOwner[p]! >= 0 && claimOwner[p] !== o)) transferring.get(memberId)!.push(tp);
  }
  return { assignment, transferring };
}

function balanceEqualSubscriptions(owner: Int32Array, counts: Int32Array, previousOwner: Int32Array, total: number, n: number): void {
  const minQuota = Math.floor(total / n);
  const withExtra = total % n;
  // The ⌈P/N⌉ places go to members already owning that many, in member order, then to the others in member order.
  const target = new Int32Array(n).fill(minQuota);
  let places = withExtra;
  for (let i = 0; i < n && places > 0; i++)
    if (counts[i]! > minQuota) {
      target[i] = minQuota + 1;
      places--;
    }
  for (let i = 0; i < n && places > 0; i++)
    if (target[i] === minQuota) {
      target[i] = minQuota + 1;
      places--;
    }

  // Members over quota keep their lowest partitions and give up the rest.
  const kept = new Int32Array(n);
  for (let p = 0; p < total; p++) {
    const o = owner[p]!;
    if (o < 0) continue;
    if (kept[o]! < target[o]!) kept[o]!++;
    else owner[p] = -1;
  }
  counts.set(kept);

  for (let p = 0; p < total; p++) {
    if (owner[p]! >= 0) continue;
    const prev = previousOwner[p]!;
    let chosen = prev >= 0 && counts[prev]! < target[prev]! ? prev : -1;
    if (chosen < 0) {
      for (let i = 0; i < n; i++) {
        if (counts[i]! >= target[i]!) continue;
        if (chosen < 0 || counts[i]! < counts[chosen]!) chosen = i;
      }
    }
    owner[p] = chosen;
    counts[chosen]!++;
  }
}

function balanceGeneral(
  owner: Int32Array,
  counts: Int32Array,
  previousOwner: Int32Array,
  partitionTopic: readonly number[],
  eligibleByTopic: readonly (readonly number[])[],
  total: number,
  n: number,
): void {
  const ownedBefore = Uint8Array.from(owner, (o) => (o >= 0 ? 1 : 0));
  // Unowned partitions, the most constrained first.
  const unowned: number[] = [];
  for (let p = 0; p < total; p++) if (owner[p]! < 0) unowned.push(p);
  unowned.sort((a, b) => eligibleByTopic[partitionTopic[a]!]!.length - eligibleByTopic[partitionTopic[b]!]!.length || a - b);
  for (const p of unowned) {
    const eligible = eligibleByTopic[partitionTopic[p]!]!;
    let chosen = -1;
    for (const i of eligible) if (chosen < 0 || counts[i]! < counts[chosen]!) chosen = i;
    const prev = previousOwner[p]!;
    if (prev >= 0 && eligible.includes(prev) && counts[prev] === counts[chosen]) chosen = prev;
    owner[p] = chosen;
    counts[chosen]!++;
  }

  // Move single partitions from a member to an eligible one with at least two fewer, the widest gap first.
  for (let guard = 0; guard < total * n + 1; guard++) {
    const leastByTopic = eligibleByTopic.map((eligible) => {
      let least = -1;
      for (const i of eligible) if (least < 0 || counts[i]! < counts[least]!) least = i;
      return least;
    });
    let bestPartition = -1;
    let bestGap = 1;
    let bestWasOwned = true;
    for (let p = 0; p < total; p++) {
      const from = owner[p]!;
      const to = leastByTopic[partitionTopic[p]!]!;
      const gap = counts[from]! - counts[to]!;
      const wasOwned = ownedBefore[p] === 1;
      // Prefer the widest gap; among equal gaps, a partition its member did not own before (moving it costs no stickiness).
      if (gap > bestGap || (gap === bestGap && bestPartition >= 0 && bestWasOwned && !wasOwned)) {
        bestPartition = p;
        bestGap = gap;
        bestWasOwned = wasOwned;
      }
    }
    if (bestPartition < 0) return;
    const to = leastByTopic[partitionTopic[bestPartition]!]!;
    counts[owner[bestPartition]!]!--;
    owner[bestPartition] = to;
    counts[to]!++;
    ownedBefore[bestPartition] = 0;
  }
}

/** The sticky assignors' common part: member data is what differs between them. */
abstract class AbstractStickyAssignor implements ConsumerPartitionAssignor {
  abstract readonly name: string;
  abstract readonly supportedProtocols: readonly RebalanceProtocol[];
  protected abstract memberData(member: GroupMember): MemberData;

  protected compute(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly GroupMember[]): StickyResult {
    return stickyAssign(
      partitionsPerTopic,
      members.map((m) => ({ memberId: m.memberId, topics: m.subscription.topics, data: this.memberData(m) })),
    );
  }

  assign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly GroupMember[]): Map<string, MemberAssignment> {
    const { assignment } = this.compute(partitionsPerTopic, members);
    const out = new Map<string, MemberAssignment>();
    for (const [memberId, partitions] of assignment) out.set(memberId, { partitions });
    return out;
  }
}

/**
 * Kafka's StickyAssignor (eager). Members give up everything before they
 * rejoin, so what each owned travels in its user data: the
 * StickyAssignorUserData v1 layout ([topic, [partition]] then the generation),
 * which Java members read and write too.
 */
export class StickyAssignor extends AbstractStickyAssignor {
  readonly name = 'sticky';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['EAGER'];
  private memberAssignment: readonly TopicPartition[] | null = null;
  private generation = DEFAULT_GENERATION;

  subscriptionUserData(): Buffer | null {
    if (this.memberAssignment === null) return null;
    return encodeStickyUserData(this.memberAssignment, this.generation);
  }

  onAssignment(assignment: Assignment, generationId: number): void {
    this.memberAssignment = assignment.partitions;
    this.generation = generationId;
  }

  protected memberData(member: GroupMember): MemberData {
    const userData = member.subscription.userData;
    if (userData === null || userData.length === 0) return { partitions: [], generation: undefined };
    return decodeStickyUserData(userData);
  }
}

/**
 * Kafka's CooperativeStickyAssignor: the sticky assignment, except that a
 * partition moving from one member to another is left out of this round. Its
 * owner, seeing it gone from its assignment, revokes it and rejoins; the next
 * rebalance hands it to its new member. Owned partitions come from the
 * subscription itself (v1+), the generation from the subscription (v2+) or,
 * for older layouts, from the 4-byte user data.
 */
export class CooperativeStickyAssignor extends AbstractStickyAssignor {
  readonly name = 'cooperative-sticky';
  readonly supportedProtocols: readonly RebalanceProtocol[] = ['COOPERATIVE', 'EAGER'];
  private generation = DEFAULT_GENERATION;

  subscriptionUserData(): Buffer | null {
    const b = Buffer.allocUnsafe(4);
    b.writeInt32BE(this.generation, 0);
    return b;
  }

  onAssignment(_assignment: Assignment, generationId: number): void {
    this.generation = generationId;
  }

  protected memberData(member: GroupMember): MemberData {
    const s = member.subscription;
    let generation: number | undefined;
    if (s.generationId >= 0) generation = s.generationId;
    else if (s.userData !== null && s.userData.length >= 4) generation = s.userData.readInt32BE(0);
    return { partitions: s.ownedPartitions, generation };
  }

  override assign(partitionsPerTopic: ReadonlyMap<string, number>, members: readonly GroupMember[]): Map<string, MemberAssignment> {
    const { assignment, transferring } = this.compute(partitionsPerTopic, members);
    const out = new Map<string, MemberAssignment>();
    for (const [memberId, partitions] of assignment) {
      const moving = transferring.get(memberId)!;
      if (moving.length === 0) {
        out.set(memberId, { partitions });
        continue;
      }
      const held = new Set(moving.map((tp) => `${tp.topic}:${tp.partition}`));
      out.set(memberId, { partitions: partitions.filter((tp) => !held.has(`${tp.topic}:${tp.partition}`)) });
    }
    return out;
  }
}

/** StickyAssignorUserData v1: previous_assignment [topic string, partitions [int32]], generation int32. */
export function encodeStickyUserData(partitions: readonly TopicPartition[], generation: number): Buffer {
  const w = new ProtocolWriter(64);
  writeTopicPartitions(w, partitions);
  w.int32(generation);
  return w.toBuffer();
}

/** Reads v1, or v0 (no generation) when the bytes end after the assignment. */
export function decodeStickyUserData(bytes: Buffer): MemberData {
  try {
    const r = new ProtocolReader(bytes);
    const partitions = readTopicPartitions(r);
    const generation = r.remaining >= 4 ? r.int32() : undefined;
    return { partitions, generation };
  } catch {
    return { partitions: [], generation: undefined };
  }
}
