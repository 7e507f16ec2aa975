import { AssignerProtocol } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import {
  type ConsumerPartitionAssignor,
  CooperativeStickyAssignor,
  createAssignor,
  decodeStickyUserData,
  encodeStickyUserData,
  type GroupMember,
  type MemberAssignment,
  RangeAssignor,
  RoundRobinAssignor,
  StickyAssignor,
} from '../../src/clients/consumer/assignors/index.js';
import {
  decodeAssignment,
  decodeSubscription,
  encodeAssignment,
  encodeSubscription,
  type Subscription,
  subscribedTopics,
} from '../../src/protocol/consumer-protocol.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ProtocolError } from '../../src/protocol/protocol-error.js';
import type { TopicPartition } from '../../src/protocol/topic-partition.js';
import { expectThrown } from '../errors.js';

// --- helpers -----------------------------------------------------------------

function member(memberId: string, topics: string[], extra: Partial<Subscription> & { groupInstanceId?: string } = {}): GroupMember {
  const { groupInstanceId, ...sub } = extra;
  return {
    memberId,
    groupInstanceId: groupInstanceId ?? null,
    subscription: { topics, userData: null, ownedPartitions: [], generationId: -1, rackId: null, ...sub },
  };
}

/** "t0-1" names partition 1 of t0. */
function tps(...names: string[]): TopicPartition[] {
  return names.map((n) => {
    const at = n.lastIndexOf('-');
    return { topic: n.slice(0, at), partition: Number(n.slice(at + 1)) };
  });
}

function names(list: readonly TopicPartition[]): string[] {
  return list.map((tp) => `${tp.topic}-${tp.partition}`).sort();
}

function asNames(result: Map<string, MemberAssignment>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [id, a] of [...result].sort(([x], [y]) => (x < y ? -1 : 1))) out[id] = names(a.partitions);
  return out;
}

function counts(result: Map<string, MemberAssignment>): number[] {
  return [...result.values()].map((a) => a.partitions.length);
}

/** Every partition of the topics appears exactly once. */
function expectCoversExactlyOnce(result: Map<string, MemberAssignment>, partitionsPerTopic: Map<string, number>): void {
  const all = [...result.values()].flatMap((a) => names(a.partitions)).sort();
  const expected = [...partitionsPerTopic].flatMap(([t, n]) => Array.from({ length: n }, (_, p) => `${t}-${p}`)).sort();
  expect(all).toEqual(expected);
}

/** A seeded generator, so "random" cases are the same on every run. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

// --- consumer protocol codec -------------------------------------------------

describe('ConsumerProtocolSubscription / Assignment codec', () => {
  it('writes a v3 subscription byte for byte in Kafka layout', () => {
    const bytes = encodeSubscription({
      topics: ['a', 'bc'],
      userData: Buffer.from([9, 8]),
      ownedPartitions: tps('bc-2', 'a-1', 'a-0'),
      generationId: 7,
      rackId: 'r1',
    });
    const expected = Buffer.from([
      0,
      3, // version
      0,
      0,
      0,
      2,
      0,
      1,
      0x61,
      0,
      2,
      0x62,
      0x63, // topics
      0,
      0,
      0,
      2,
      9,
      8, // user data
      0,
      0,
      0,
      2, // owned partitions: topics sorted, partitions sorted
      0,
      1,
      0x61,
      0,
      0,
      0,
      2,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      1,
      0,
      2,
      0x62,
      0x63,
      0,
      0,
      0,
      1,
      0,
      0,
      0,
      2,
      0,
      0,
      0,
      7, // generation
      0,
      2,
      0x72,
      0x31, // rack
    ]);
    expect(bytes.equals(expected)).toBe(true);
    expect(decodeSubscription(bytes)).toEqual({
      version: 3,
      topics: ['a', 'bc'],
      userData: Buffer.from([9, 8]),
      ownedPartitions: tps('a-0', 'a-1', 'bc-2'),
      generationId: 7,
      rackId: 'r1',
    });
  });

  it('round-trips every version, each keeping only its fields', () => {
    const full = { topics: ['x'], userData: null, ownedPartitions: tps('x-3'), generationId: 4, rackId: 'rack' };
    expect(decodeSubscription(encodeSubscription(full, 0))).toEqual({
      version: 0,
      topics: ['x'],
      userData: null,
      ownedPartitions: [],
      generationId: -1,
      rackId: null,
    });
    expect(decodeSubscription(encodeSubscription(full, 1))).toEqual({
      version: 1,
      topics: ['x'],
      userData: null,
      ownedPartitions: tps('x-3'),
      generationId: -1,
      rackId: null,
    });
    expect(decodeSubscription(encodeSubscription(full, 2))).toEqual({
      version: 2,
      topics: ['x'],
      userData: null,
      ownedPartitions: tps('x-3'),
      generationId: 4,
      rackId: null,
    });
    expect(decodeSubscription(encodeSubscription(full, 3))).toEqual({ version: 3, ...full });
    expect(() => encodeSubscription(full, 4)).toThrow(RangeError);
  });

  it('reads a newer version as v3 and ignores trailing bytes; the broker parses the same topics', () => {
    const v3 = encodeSubscription({ topics: ['t1', 't2'], generationId: 2 });
    const v5 = Buffer.concat([Buffer.from([0, 5]), v3.subarray(2), Buffer.from([1, 2, 3])]);
    const decoded = decodeSubscription(v5);
    expect(decoded.version).toBe(3);
    expect(decoded.topics).toEqual(['t1', 't2']);
    expect(decoded.generationId).toBe(2);
    expect(subscribedTopics(v3)).toEqual(['t1', 't2']);
    expectThrown(() => decodeSubscription(Buffer.from([0xff, 0xff])), ProtocolError, { errorCode: ErrorCode.INVALID_REQUEST }, /negative/);
  });

  it('assignments round-trip; an empty buffer is an empty assignment', () => {
    const bytes = encodeAssignment({ partitions: tps('b-1', 'a-2', 'b-0'), userData: Buffer.from('u') });
    expect(decodeAssignment(bytes)).toEqual({ version: 3, partitions: tps('a-2', 'b-0', 'b-1'), userData: Buffer.from('u') });
    expect(decodeAssignment(Buffer.alloc(0))).toEqual({ version: 0, partitions: [], userData: null });
  });

  it('is read and written compatibly with KafkaJS', () => {
    const fromKafkaJs = AssignerProtocol.MemberMetadata.encode({ version: 1, topics: ['orders', 'users'], userData: Buffer.from('hi') });
    const sub = decodeSubscription(fromKafkaJs);
    expect(sub.topics).toEqual(['orders', 'users']);
    expect(sub.userData).toEqual(Buffer.from('hi'));
    expect(sub.ownedPartitions).toEqual([]);

    const ours = encodeSubscription({ topics: ['orders'], userData: Buffer.from('ud'), ownedPartitions: tps('orders-1') });
    const kjs = AssignerProtocol.MemberMetadata.decode(ours)!;
    expect(kjs.version).toBe(3);
    expect(kjs.topics).toEqual(['orders']);
    expect(kjs.userData).toEqual(Buffer.from('ud'));

    const assignmentFromKafkaJs = AssignerProtocol.MemberAssignment.encode({ version: 0, assignment: { b: [1, 0], a: [4] }, userData: Buffer.alloc(0) });
    expect(names(decodeAssignment(assignmentFromKafkaJs).partitions)).toEqual(['a-4', 'b-0', 'b-1']);
    const kjsAssignment = AssignerProtocol.MemberAssignment.decode(encodeAssignment({ partitions: tps('a-0', 'a-3', 'c-1'), userData: Buffer.alloc(0) }))!;
    expect(kjsAssignment.assignment).toEqual({ a: [0, 3], c: [1] });
  });
});

// --- range ---------------------------------------------------------------------

describe('RangeAssignor', () => {
  const assignor = new RangeAssignor();

  it("gives Kafka's documented assignment for two members and two topics of three partitions", () => {
    const result = assignor.assign(
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
      [member('C1', ['t0', 't1']), member('C0', ['t0', 't1'])],
    );
    expect(asNames(result)).toEqual({ C0: ['t0-0', 't0-1', 't1-0', 't1-1'], C1: ['t0-2', 't1-2'] });
  });

  it('splits each topic among its own subscribers in member order; instance ids come first', () => {
    const partitions = new Map([
      ['a', 5],
      ['b', 2],
      ['c', 1],
    ]);
    const members = [
      member('m3', ['a']),
      member('m1', ['a', 'b']),
      member('m2', ['b', 'c'], { groupInstanceId: 'z' }),
      member('m4', ['a'], { groupInstanceId: 'y' }),
    ];
    const result = assignor.assign(partitions, members);
    // a: m4 (instance y), m1, m3 → 2, 2, 1.  b: m2 (instance z), m1 → 1, 1.  c: m2.
    expect(asNames(result)).toEqual({ m1: ['a-2', 'a-3', 'b-1'], m2: ['b-0', 'c-0'], m3: ['a-4'], m4: ['a-0', 'a-1'] });
    expectCoversExactlyOnce(result, partitions);
  });

  it('leaves members with nothing when there are more members than partitions and skips unknown topics', () => {
    const result = assignor.assign(new Map([['t', 2]]), [member('a', ['t', 'missing']), member('b', ['t']), member('c', ['t'])]);
    expect(asNames(result)).toEqual({ a: ['t-0'], b: ['t-1'], c: [] });
  });
});

// --- round robin ---------------------------------------------------------------

describe('RoundRobinAssignor', () => {
  const assignor = new RoundRobinAssignor();

  it("gives Kafka's documented assignment for equal subscriptions", () => {
    const result = assignor.assign(
      new Map([
        ['t0', 3],
        ['t1', 3],
      ]),
      [member('C0', ['t0', 't1']), member('C1', ['t0', 't1'])],
    );
    expect(asNames(result)).toEqual({ C0: ['t0-0', 't0-2', 't1-1'], C1: ['t0-1', 't1-0', 't1-2'] });
  });

  it("gives Kafka's documented assignment for unequal subscriptions", () => {
    const result = assignor.assign(
      new Map([
        ['t0', 1],
        ['t1', 2],
        ['t2', 3],
      ]),
      [member('C2', ['t0', 't1', 't2']), member('C0', ['t0']), member('C1', ['t0', 't1'])],
    );
    expect(asNames(result)).toEqual({ C0: ['t0-0'], C1: ['t1-0'], C2: ['t1-1', 't2-0', 't2-1', 't2-2'] });
  });

  it('balances within one across many topics and is independent of the input order', () => {
    const partitions = new Map([
      ['x', 7],
      ['y', 4],
      ['z', 9],
    ]);
    const members = ['m0', 'm1', 'm2', 'm3', 'm4'].map((id) => member(id, ['z', 'x', 'y']));
    const a = assignor.assign(partitions, members);
    const b = assignor.assign(partitions, [...members].reverse());
    expect(asNames(a)).toEqual(asNames(b));
    expectCoversExactlyOnce(a, partitions);
    expect(Math.max(...counts(a)) - Math.min(...counts(a))).toBe(0);
  });
});

// --- sticky --------------------------------------------------------------------

/** Runs one rebalance of an eager StickyAssignor group: owned partitions travel in each member's user data. */
function stickyRound(
  partitionsPerTopic: Map<string, number>,
  subs: Record<string, string[]>,
  owned: Record<string, TopicPartition[]>,
  generation: number,
): Map<string, MemberAssignment> {
  const members = Object.entries(subs).map(([id, topics]) => member(id, topics, { userData: owned[id] ? encodeStickyUserData(owned[id]!, generation) : null }));
  return new StickyAssignor().assign(partitionsPerTopic, members);
}

function ownedFrom(result: Map<string, MemberAssignment>): Record<string, TopicPartition[]> {
  return Object.fromEntries([...result].map(([id, a]) => [id, a.partitions]));
}

describe('StickyAssignor', () => {
  it("reproduces Kafka's documented example: balanced, then sticky when a member leaves", () => {
    const partitions = new Map([
      ['t0', 2],
      ['t1', 2],
      ['t2', 2],
      ['t3', 2],
    ]);
    const all = ['t0', 't1', 't2', 't3'];
    const first = stickyRound(partitions, { C0: all, C1: all, C2: all }, {}, -1);
    expectCoversExactlyOnce(first, partitions);
    expect(counts(first).sort()).toEqual([2, 3, 3]);

    const owned = ownedFrom(first);
    const second = stickyRound(partitions, { C0: all, C2: all }, { C0: owned.C0!, C2: owned.C2! }, 1);
    expectCoversExactlyOnce(second, partitions);
    expect(counts(second)).toEqual([4, 4]);
    // Both survivors keep everything they had.
    for (const id of ['C0', 'C2']) expect(names(second.get(id)!.partitions)).toEqual(expect.arrayContaining(names(owned[id]!)));
  });

  it("reproduces Kafka's documented example for unequal subscriptions", () => {
    const partitions = new Map([
      ['t0', 1],
      ['t1', 2],
      ['t2', 3],
    ]);
    const subs = { C0: ['t0'], C1: ['t0', 't1'], C2: ['t0', 't1', 't2'] };
    const first = stickyRound(partitions, subs, {}, -1);
    expect(asNames(first)).toEqual({ C0: ['t0-0'], C1: ['t1-0', 't1-1'], C2: ['t2-0', 't2-1', 't2-2'] });
    // C0 leaves: round robin would reshuffle everything; sticky moves only t0-0.
    const owned = ownedFrom(first);
    const second = stickyRound(partitions, { C1: subs.C1, C2: subs.C2 }, { C1: owned.C1!, C2: owned.C2! }, 1);
    expect(asNames(second)).toEqual({ C1: ['t0-0', 't1-0', 't1-1'], C2: ['t2-0', 't2-1', 't2-2'] });
  });

  it('moves the fewest partitions when members join and leave (seeded random groups)', () => {
    const random = rng(42);
    for (let round = 0; round < 40; round++) {
      const topicCount = 1 + Math.floor(random() * 4);
      const partitions = new Map(Array.from({ length: topicCount }, (_, t) => [`topic${t}`, 1 + Math.floor(random() * 12)] as [string, number]));
      const topics = [...partitions.keys()];
      const total = [...partitions.values()].reduce((a, b) => a + b, 0);
      const before = 1 + Math.floor(random() * 6);
      const subs: Record<string, string[]> = {};
      for (let i = 0; i < before; i++) subs[`member-${i}`] = topics;
      const first = stickyRound(partitions, subs, {}, -1);
      expectCoversExactlyOnce(first, partitions);
      expect(Math.max(...counts(first)) - Math.min(...counts(first))).toBeLessThanOrEqual(1);

      // One member leaves or two join.
      const next = { ...subs };
      if (random() < 0.5 && before > 1) delete next[`member-${Math.floor(random() * before)}`];
      else next[`member-${before}`] = next[`member-${before + 1}`] = topics;
      const owned = ownedFrom(first);
      const second = stickyRound(partitions, next, owned, 1);
      expectCoversExactlyOnce(second, partitions);
      const c = counts(second);
      expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);

      // Survivors keep min(previous count, new quota) of their own partitions: nothing else moves.
      const n = Object.keys(next).length;
      let moved = 0;
      for (const [id, a] of second) {
        const mine = new Set(names(owned[id] ?? []));
        const kept = names(a.partitions).filter((x) => mine.has(x)).length;
        expect(kept).toBe(Math.min(mine.size, a.partitions.length));
        moved += a.partitions.length - kept;
      }
      const orphaned = Object.keys(subs)
        .filter((id) => !(id in next))
        .reduce((s, id) => s + owned[id]!.length, 0);
      const excess = Object.keys(next).reduce((s, id) => s + Math.max(0, (owned[id]?.length ?? 0) - Math.ceil(total / n)), 0);
      expect(moved).toBeGreaterThanOrEqual(orphaned);
      expect(moved).toBeLessThanOrEqual(orphaned + excess + n);
    }
  });

  it('is deterministic: the order members arrive in does not matter', () => {
    const partitions = new Map([
      ['a', 10],
      ['b', 3],
      ['c', 8],
    ]);
    const members = [
      member('m-b', ['a', 'b'], { userData: encodeStickyUserData(tps('a-0', 'a-1', 'a-2', 'b-0'), 3) }),
      member('m-a', ['a', 'b', 'c']),
      member('m-c', ['c'], { userData: encodeStickyUserData(tps('c-0', 'c-5'), 3) }),
      member('m-d', ['a', 'c']),
    ];
    const assignor = new StickyAssignor();
    const one = asNames(assignor.assign(partitions, members));
    for (let i = 0; i < 5; i++) {
      const shuffled = [...members].sort(() => (rng(i)() < 0.5 ? -1 : 1));
      expect(asNames(assignor.assign(partitions, shuffled.reverse()))).toEqual(one);
    }
    expectCoversExactlyOnce(assignor.assign(partitions, members), partitions);
    // Unequal subscriptions still balance: 21 partitions over 4 members, everyone eligible for a or c.
    const c = Object.values(one).map((x) => x.length);
    expect(Math.max(...c) - Math.min(...c)).toBeLessThanOrEqual(1);
    expect(one['m-b']).toEqual(expect.arrayContaining(['a-0', 'a-1', 'a-2', 'b-0']));
    expect(one['m-c']).toEqual(expect.arrayContaining(['c-0', 'c-5']));
    expect(one['m-c']!.every((x) => x.startsWith('c-'))).toBe(true);
  });

  it('resolves conflicting claims by generation; equal generations cancel out', () => {
    const partitions = new Map([['t', 4]]);
    const assignor = new StickyAssignor();
    const result = assignor.assign(partitions, [
      member('old', ['t'], { userData: encodeStickyUserData(tps('t-0', 't-1', 't-2'), 2) }),
      member('new', ['t'], { userData: encodeStickyUserData(tps('t-1', 't-2'), 3) }),
    ]);
    expect(asNames(result)).toEqual({ new: ['t-1', 't-2'], old: ['t-0', 't-3'] });

    const tie = new CooperativeStickyAssignor().assign(partitions, [
      member('a', ['t'], { ownedPartitions: tps('t-0', 't-1'), generationId: 5 }),
      member('b', ['t'], { ownedPartitions: tps('t-1', 't-2'), generationId: 5 }),
    ]);
    // t-1 is claimed twice in generation 5: held back from both, to be handed out once they have revoked it; t-3 was nobody's.
    expect(asNames(tie)).toEqual({ a: ['t-0'], b: ['t-2', 't-3'] });
  });

  it('carries its assignment and generation in StickyAssignorUserData v1 (v0 read too)', () => {
    const assignor = new StickyAssignor();
    expect(assignor.subscriptionUserData()).toBeNull();
    assignor.onAssignment({ partitions: tps('b-1', 'a-0'), userData: null }, 12);
    const data = assignor.subscriptionUserData()!;
    expect(decodeStickyUserData(data)).toEqual({ partitions: tps('a-0', 'b-1'), generation: 12 });
    // v0 is the same without the generation.
    expect(decodeStickyUserData(data.subarray(0, data.length - 4))).toEqual({ partitions: tps('a-0', 'b-1'), generation: undefined });
  });
});

// --- cooperative sticky --------------------------------------------------------

describe('CooperativeStickyAssignor', () => {
  function coop(
    partitions: Map<string, number>,
    owned: Record<string, string[]>,
    generation: number,
    topics = [...partitions.keys()],
  ): Map<string, MemberAssignment> {
    return new CooperativeStickyAssignor().assign(
      partitions,
      Object.entries(owned).map(([id, list]) => member(id, topics, { ownedPartitions: tps(...list), generationId: generation })),
    );
  }

  it('revokes first, assigns in the follow-up rebalance', () => {
    const partitions = new Map([['t', 6]]);
    // A owns everything; B joins.
    const first = coop(partitions, { A: ['t-0', 't-1', 't-2', 't-3', 't-4', 't-5'], B: [] }, 1);
    expect(asNames(first)).toEqual({ A: ['t-0', 't-1', 't-2'], B: [] });
    // A revoked t-3..t-5 and rejoined: now they go to B.
    const second = coop(partitions, { A: ['t-0', 't-1', 't-2'], B: [] }, 2);
    expect(asNames(second)).toEqual({ A: ['t-0', 't-1', 't-2'], B: ['t-3', 't-4', 't-5'] });
    // Stable: a third round changes nothing.
    expect(asNames(coop(partitions, { A: ['t-0', 't-1', 't-2'], B: ['t-3', 't-4', 't-5'] }, 3))).toEqual(asNames(second));
  });

  it('never takes a partition from a member that keeps it, and never gives an owned partition to another member in the same round', () => {
    const partitions = new Map([
      ['x', 5],
      ['y', 4],
    ]);
    const owned = { A: ['x-0', 'x-1', 'x-2', 'y-0'], B: ['x-3', 'x-4', 'y-1', 'y-2', 'y-3'], C: [] as string[], D: [] as string[] };
    const result = coop(partitions, owned, 7);
    const ownerOf = new Map(Object.entries(owned).flatMap(([id, list]) => list.map((p) => [p, id] as const)));
    for (const [id, a] of result) {
      for (const p of names(a.partitions)) {
        const prev = ownerOf.get(p);
        expect(prev === undefined || prev === id).toBe(true);
      }
    }
    // 9 partitions over 4 members: A and B shrink to 3 and 2 (or 2 and 3) right away, C and D wait for the revocations.
    expect(result.get('C')!.partitions).toEqual([]);
    expect(result.get('D')!.partitions).toEqual([]);
    const kept = result.get('A')!.partitions.length + result.get('B')!.partitions.length;
    expect(kept).toBe(5);

    // After the revocation round the group is balanced and A, B still hold exactly what they kept.
    const after = coop(partitions, { A: names(result.get('A')!.partitions), B: names(result.get('B')!.partitions), C: [], D: [] }, 8);
    expectCoversExactlyOnce(after, partitions);
    expect(counts(after).sort()).toEqual([2, 2, 2, 3]);
    expect(names(after.get('A')!.partitions)).toEqual(names(result.get('A')!.partitions));
    expect(names(after.get('B')!.partitions)).toEqual(names(result.get('B')!.partitions));
  });

  it('reads the generation from the subscription (v2+) or its 4-byte user data', () => {
    const assignor = new CooperativeStickyAssignor();
    expect(assignor.subscriptionUserData()!.readInt32BE(0)).toBe(-1);
    assignor.onAssignment({ partitions: [], userData: null }, 9);
    const userData = assignor.subscriptionUserData()!;
    expect(userData.readInt32BE(0)).toBe(9);
    // An old-layout member (generation only in user data) at generation 9 beats a v2 member claiming at 8.
    const result = assignor.assign(new Map([['t', 2]]), [
      member('a', ['t'], { ownedPartitions: tps('t-0', 't-1'), userData, generationId: -1 }),
      member('b', ['t'], { ownedPartitions: tps('t-0'), generationId: 8 }),
    ]);
    expect(asNames(result)).toEqual({ a: ['t-0'], b: [] });
  });
});

describe('createAssignor', () => {
  it("knows Kafka's names and class names and refuses others", () => {
    const names = ['range', 'roundrobin', 'sticky', 'cooperative-sticky', 'org.apache.kafka.clients.consumer.CooperativeStickyAssignor'].map(
      (n) => createAssignor(n).name,
    );
    expect(names).toEqual(['range', 'roundrobin', 'sticky', 'cooperative-sticky', 'cooperative-sticky']);
    expect(createAssignor('cooperative-sticky').supportedProtocols).toEqual(['COOPERATIVE', 'EAGER']);
    expectThrown(() => createAssignor('fair'), RangeError, {}, /unknown partition.assignment.strategy 'fair'/);
    const custom: ConsumerPartitionAssignor = { name: 'mine', supportedProtocols: ['EAGER'], assign: () => new Map() };
    expect(createAssignor(custom)).toBe(custom);
  });
});
