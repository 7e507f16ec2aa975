import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { Kafka, logLevel, type Consumer } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { readAllRecords } from '../../storage/record/record.js';
import { javaStringHashCode, offsetsPartitionFor } from '../../src/broker/group/java-hash.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ProtocolReader } from '../../src/protocol/reader.js';
import { ProtocolWriter } from '../../src/protocol/writer.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient } from './raw-client.js';

// --- helpers -----------------------------------------------------------------

/** A ConsumerProtocolSubscription v0: the member metadata a consumer sends in JoinGroup. */
function subscription(topics: string[], userData = ''): Buffer {
  const w = new ProtocolWriter();
  w.int16(0).arrayLength(topics.length);
  for (const t of topics) w.string(t);
  w.bytes(Buffer.from(userData));
  return w.toBuffer();
}

interface JoinOptions {
  memberId?: string;
  instanceId?: string | null;
  sessionTimeoutMs?: number;
  rebalanceTimeoutMs?: number;
  protocolType?: string;
  protocols?: Array<{ name: string; metadata: Buffer }>;
  version?: number;
}

function joinBody(groupId: string, o: JoinOptions = {}) {
  return {
    groupId,
    sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
    rebalanceTimeoutMs: o.rebalanceTimeoutMs ?? 5_000,
    memberId: o.memberId ?? '',
    groupInstanceId: o.instanceId ?? null,
    protocolType: o.protocolType ?? 'consumer',
    protocols: o.protocols ?? [{ name: 'range', metadata: subscription(['t']) }],
    reason: null,
  };
}

function join(client: RawClient, groupId: string, o: JoinOptions = {}): Promise<any> {
  return client.request('JoinGroup', o.version ?? 9, joinBody(groupId, o));
}

/** JoinGroup v4+ the way clients do it: the first attempt gets MEMBER_ID_REQUIRED and the id to come back with. */
async function joinWithId(client: RawClient, groupId: string, o: JoinOptions = {}): Promise<any> {
  const first = await join(client, groupId, o);
  if (first.errorCode !== ErrorCode.MEMBER_ID_REQUIRED) return first;
  return join(client, groupId, { ...o, memberId: first.memberId });
}

function sync(client: RawClient, groupId: string, generationId: number, memberId: string, assignments: Array<{ memberId: string; assignment: Buffer }> = [], extra: Record<string, unknown> = {}, version = 5): Promise<any> {
  return client.request('SyncGroup', version, { groupId, generationId, memberId, groupInstanceId: null, protocolType: 'consumer', protocolName: 'range', assignments, ...extra });
}

function heartbeat(client: RawClient, groupId: string, generationId: number, memberId: string, groupInstanceId: string | null = null): Promise<number> {
  return client.request('Heartbeat', 4, { groupId, generationId, memberId, groupInstanceId }).then((r: any) => r.errorCode);
}

async function describeGroup(client: RawClient, groupId: string): Promise<any> {
  const res = await client.request('DescribeGroups', 5, { groups: [groupId], includeAuthorizedOperations: false });
  return res.groups[0];
}

function commitBody(groupId: string, topic: string, offsets: Record<number, number>, o: { generationId?: number; memberId?: string; metadata?: string | null; instanceId?: string | null } = {}) {
  return {
    groupId,
    generationIdOrMemberEpoch: o.generationId ?? -1,
    memberId: o.memberId ?? '',
    groupInstanceId: o.instanceId ?? null,
    retentionTimeMs: -1,
    topics: [
      {
        name: topic,
        partitions: Object.entries(offsets).map(([p, offset]) => ({ partitionIndex: Number(p), committedOffset: offset, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: o.metadata === undefined ? `meta-${p}` : o.metadata })),
      },
    ],
  };
}

async function commitCodes(client: RawClient, body: unknown, version = 8): Promise<number[]> {
  const res = await client.request('OffsetCommit', version, body);
  return res.topics.flatMap((t: any) => t.partitions.map((p: any) => p.errorCode));
}

async function fetchOffsets(client: RawClient, groupId: string, topics: Array<{ name: string; partitionIndexes: number[] }> | null, version = 7): Promise<any> {
  return client.request('OffsetFetch', version, { groupId, topics, groups: [], requireStable: false });
}

/** Resolves to the value the promise settles with, or 'pending' if it has not within `ms`. */
function settledWithin<T>(p: Promise<T>, ms: number): Promise<T | 'pending'> {
  return Promise.race([p, new Promise<'pending'>((r) => setTimeout(() => r('pending'), ms))]);
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 20_000, what = 'condition'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

async function createTopic(b: TestBroker, name: string, partitions: number): Promise<void> {
  await b.broker.context.topics.create({ name, numPartitions: partitions, replicationFactor: -1, assignments: [], configs: {} });
}

/** Every record of a __consumer_offsets partition, as stored. */
async function offsetsRecords(b: TestBroker, partition: number): Promise<Array<{ key: Buffer; value: Buffer | null }>> {
  const p = b.broker.context.topics.partition('__consumer_offsets', partition)!;
  const { bytes } = await p.log.read(p.logStartOffset, 1 << 24);
  return validateBatches(Buffer.from(bytes)).flatMap((batch) => readAllRecords(batch).map((r) => ({ key: Buffer.from(r.key!), value: r.value && Buffer.from(r.value) })));
}

// --- the group coordinator over the wire ---------------------------------------

describe('group coordinator (raw protocol)', () => {
  let b: TestBroker;
  const clients: RawClient[] = [];
  const connect = async () => {
    const c = await RawClient.connect(b.port);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    b = await startBroker({
      'group.initial.rebalance.delay.ms': 0,
      'group.min.session.timeout.ms': 500,
      'group.max.session.timeout.ms': 60_000,
      'group.max.size': 4,
    });
    await createTopic(b, 't', 4);
    await createTopic(b, 'other', 2);
  });

  afterAll(async () => {
    for (const c of clients) c.close();
    await b.stop();
  });

  it('KIP-394: a first JoinGroup v4+ gets MEMBER_ID_REQUIRED with the member id to use; a lone member then leads generation 1', async () => {
    const c = await connect();
    const first = await join(c, 'solo');
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^samsa-test-[0-9a-f-]{36}$/);
    expect(first.generationId).toBe(-1);
    const joined = await join(c, 'solo', { memberId: first.memberId });
    expect(joined).toMatchObject({ errorCode: 0, generationId: 1, protocolType: 'consumer', protocolName: 'range', leader: first.memberId, memberId: first.memberId });
    expect(joined.members).toEqual([{ memberId: first.memberId, groupInstanceId: null, metadata: subscription(['t']) }]);
    expect((await describeGroup(c, 'solo')).groupState).toBe('CompletingRebalance');
    const synced = await sync(c, 'solo', 1, first.memberId, [{ memberId: first.memberId, assignment: Buffer.from('all of t') }]);
    expect(synced).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    expect(synced.assignment.toString()).toBe('all of t');
    const described = await describeGroup(c, 'solo');
    expect(described).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(described.members.map((m: any) => [m.memberId, m.clientId, m.memberAssignment.toString()])).toEqual([[first.memberId, 'samsa-test', 'all of t']]);
    expect(await heartbeat(c, 'solo', 1, first.memberId)).toBe(0);
    // A JoinGroup before v4 gets its member id at once.
    const old = await connect();
    const oldJoin = settledWithin(join(old, 'solo-v3', { version: 3 }), 2000);
    expect(await oldJoin).toMatchObject({ errorCode: 0, generationId: 1 });
  });

  it('rebalances when a member joins: heartbeats answer REBALANCE_IN_PROGRESS, joins wait for every member, followers wait for the leader', async () => {
    const [a, b2] = [await connect(), await connect()];
    const ja = await joinWithId(a, 'pair');
    expect(ja.generationId).toBe(1);
    await sync(a, 'pair', 1, ja.memberId, [{ memberId: ja.memberId, assignment: Buffer.from('a:0-3') }]);

    const jb = await join(b2, 'pair');
    expect(jb.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const bJoin = join(b2, 'pair', { memberId: jb.memberId });
    // b's join waits until a rejoins; a learns of the rebalance from its heartbeat.
    expect(await settledWithin(bJoin, 300)).toBe('pending');
    await waitFor(async () => (await describeGroup(a, 'pair')).groupState === 'PreparingRebalance', 5000, 'PreparingRebalance');
    expect(await heartbeat(a, 'pair', 1, ja.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    // An old generation can still commit while the group prepares (the heartbeat carries the news).
    expect(await commitCodes(a, commitBody('pair', 't', { 0: 5 }, { generationId: 1, memberId: ja.memberId }))).toEqual([0]);
    const aRejoin = await join(a, 'pair', { memberId: ja.memberId });
    const bJoined = await bJoin;
    expect(aRejoin).toMatchObject({ errorCode: 0, generationId: 2, leader: ja.memberId, protocolName: 'range' });
    expect(bJoined).toMatchObject({ errorCode: 0, generationId: 2, leader: ja.memberId, members: [] });
    expect(aRejoin.members.map((m: any) => m.memberId).sort()).toEqual([ja.memberId, jb.memberId].sort());

    // The follower's SyncGroup waits for the leader's assignment.
    const bSync = sync(b2, 'pair', 2, jb.memberId);
    expect(await settledWithin(bSync, 300)).toBe('pending');
    expect(await heartbeat(a, 'pair', 2, ja.memberId)).toBe(0); // CompletingRebalance: a normal heartbeat
    const aSync = await sync(a, 'pair', 2, ja.memberId, [
      { memberId: ja.memberId, assignment: Buffer.from('a:0-1') },
      { memberId: jb.memberId, assignment: Buffer.from('b:2-3') },
    ]);
    expect(aSync.assignment.toString()).toBe('a:0-1');
    expect((await bSync).assignment.toString()).toBe('b:2-3');
    expect((await describeGroup(a, 'pair')).groupState).toBe('Stable');
    // A SyncGroup again in a Stable group returns the member's assignment.
    expect((await sync(b2, 'pair', 2, jb.memberId)).assignment.toString()).toBe('b:2-3');
    // Stale generations are refused.
    expect(await heartbeat(a, 'pair', 1, ja.memberId)).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect((await sync(b2, 'pair', 1, jb.memberId)).errorCode).toBe(ErrorCode.ILLEGAL_GENERATION);
    expect(await commitCodes(a, commitBody('pair', 't', { 0: 6 }, { generationId: 1, memberId: ja.memberId }))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await commitCodes(a, commitBody('pair', 't', { 0: 6 }, { generationId: 2, memberId: ja.memberId }))).toEqual([0]);
    // A follower rejoining with the same metadata in a Stable group gets the current generation, no rebalance.
    const again = await join(b2, 'pair', { memberId: jb.memberId });
    expect(again).toMatchObject({ errorCode: 0, generationId: 2, leader: ja.memberId, members: [] });
    expect((await describeGroup(a, 'pair')).groupState).toBe('Stable');
  });

  it('selects the protocol every member supports, by the members\' votes', async () => {
    const [a, b2, c] = [await connect(), await connect(), await connect()];
    const meta = (s: string) => Buffer.from(s);
    // Every member supports roundrobin; range is a's first choice, roundrobin is b's and c's; sticky is a's alone.
    const pa = [{ name: 'range', metadata: meta('a-range') }, { name: 'roundrobin', metadata: meta('a-rr') }, { name: 'sticky', metadata: meta('a-sticky') }];
    const pb = [{ name: 'roundrobin', metadata: meta('b-rr') }, { name: 'range', metadata: meta('b-range') }];
    const pc = [{ name: 'roundrobin', metadata: meta('c-rr') }, { name: 'range', metadata: meta('c-range') }];
    const ja = await joinWithId(a, 'votes', { protocols: pa });
    expect(ja.protocolName).toBe('range');
    await sync(a, 'votes', 1, ja.memberId, [], { protocolName: 'range' });
    const fb = await join(b2, 'votes', { protocols: pb });
    const fc = await join(c, 'votes', { protocols: pc });
    const joins = [join(a, 'votes', { memberId: ja.memberId, protocols: pa }), join(b2, 'votes', { memberId: fb.memberId, protocols: pb }), join(c, 'votes', { memberId: fc.memberId, protocols: pc })];
    const results = await Promise.all(joins);
    expect(results.map((r) => [r.errorCode, r.generationId, r.protocolName])).toEqual([[0, 2, 'roundrobin'], [0, 2, 'roundrobin'], [0, 2, 'roundrobin']]);
    const leader = results.find((r) => r.members.length > 0)!;
    expect(leader.memberId).toBe(ja.memberId);
    // The leader sees each member's metadata for the chosen protocol.
    expect(leader.members.map((m: any) => m.metadata.toString()).sort()).toEqual(['a-rr', 'b-rr', 'c-rr']);
    // A protocol no member shares is refused; so are another protocol type and an empty protocol list.
    const d = await connect();
    expect((await join(d, 'votes', { protocols: [{ name: 'sticky', metadata: meta('x') }] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join(d, 'votes', { protocolType: 'connect', protocols: pb })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join(d, 'fresh-empty', { protocols: [] })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await join(d, 'fresh-empty', { protocolType: '' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    // SyncGroup v5 checks the protocol type and name it is given.
    expect((await sync(b2, 'votes', 2, fb.memberId, [], { protocolName: 'range' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
    expect((await sync(b2, 'votes', 2, fb.memberId, [], { protocolType: 'connect', protocolName: 'roundrobin' })).errorCode).toBe(ErrorCode.INCONSISTENT_GROUP_PROTOCOL);
  });

  it('refuses out-of-range session timeouts, unknown members and a member beyond group.max.size', async () => {
    const c = await connect();
    expect((await join(c, 'limits', { sessionTimeoutMs: 100 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await join(c, 'limits', { sessionTimeoutMs: 60_001 })).errorCode).toBe(ErrorCode.INVALID_SESSION_TIMEOUT);
    expect((await join(c, 'no-such-group', { memberId: 'ghost' })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(await heartbeat(c, 'no-such-group', 1, 'ghost')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await sync(c, 'no-such-group', 1, 'ghost')).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await join(c, '')).errorCode).toBe(ErrorCode.INVALID_GROUP_ID);

    // group.max.size is 4 on this broker. The first member forms the group; the other three get their
    // ids, then everyone (re)joins together: a rebalance of a non-empty group waits for all of them.
    const members = [await connect(), await connect(), await connect(), await connect()];
    const first = await joinWithId(members[0]!, 'full');
    await sync(members[0]!, 'full', 1, first.memberId);
    const ids = [first.memberId as string];
    for (const m of members.slice(1)) ids.push((await join(m, 'full')).memberId);
    const joined = await Promise.all(members.map((m, i) => join(m, 'full', { memberId: ids[i] })));
    expect(joined.map((j) => [j.errorCode, j.generationId])).toEqual([[0, 2], [0, 2], [0, 2], [0, 2]]);
    const fifth = await connect();
    expect((await join(fifth, 'full')).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(await heartbeat(members[0]!, 'full', 1, 'not-a-member')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await describeGroup(c, 'full')).members).toHaveLength(4);
  });

  it('removes a member whose session expires and a member that misses the rebalance timeout', async () => {
    const [a, b2] = [await connect(), await connect()];
    const ja = await joinWithId(a, 'expiry', { sessionTimeoutMs: 700 });
    await sync(a, 'expiry', 1, ja.memberId, [{ memberId: ja.memberId, assignment: Buffer.from('x') }]);
    // No heartbeats: the session ends, the group rebalances to nobody and is Empty in generation 2.
    await waitFor(async () => (await describeGroup(a, 'expiry')).groupState === 'Empty', 5000, 'Empty after session timeout');
    expect(await heartbeat(a, 'expiry', 1, ja.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(b.broker.context.groups!.group('expiry')!.generationId).toBe(2);

    // a keeps heartbeating but never rejoins: after the rebalance timeout b's join completes without it.
    const j1 = await joinWithId(a, 'slow', { sessionTimeoutMs: 5000, rebalanceTimeoutMs: 800 });
    await sync(a, 'slow', 1, j1.memberId);
    const beat = setInterval(() => void heartbeat(a, 'slow', 1, j1.memberId).catch(() => {}), 200);
    try {
      const started = Date.now();
      const jb = await joinWithId(b2, 'slow', { sessionTimeoutMs: 5000, rebalanceTimeoutMs: 800 });
      expect(Date.now() - started).toBeGreaterThanOrEqual(600);
      expect(jb).toMatchObject({ errorCode: 0, generationId: 2, leader: jb.memberId });
      expect(jb.members.map((m: any) => m.memberId)).toEqual([jb.memberId]);
    } finally {
      clearInterval(beat);
    }
    await sleep(250);
    expect(await heartbeat(a, 'slow', 2, j1.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });


  it('removes members that never send SyncGroup within the rebalance timeout; followers waiting are told to rejoin', async () => {
    const [a, b2] = [await connect(), await connect()];
    const ja = await joinWithId(a, 'no-sync', { rebalanceTimeoutMs: 800 });
    await sync(a, 'no-sync', 1, ja.memberId);
    const fb = await join(b2, 'no-sync', { rebalanceTimeoutMs: 800 });
    const [ra, rb] = await Promise.all([join(a, 'no-sync', { memberId: ja.memberId, rebalanceTimeoutMs: 800 }), join(b2, 'no-sync', { memberId: fb.memberId, rebalanceTimeoutMs: 800 })]);
    expect([ra.generationId, rb.generationId, ra.leader]).toEqual([2, 2, ja.memberId]);
    // b syncs and waits for the leader's assignment, which never comes.
    const started = Date.now();
    const waiting = await sync(b2, 'no-sync', 2, fb.memberId);
    expect(waiting.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(Date.now() - started).toBeGreaterThanOrEqual(600);
    expect(await heartbeat(a, 'no-sync', 2, ja.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // b rejoins alone and leads generation 3.
    const rejoined = await join(b2, 'no-sync', { memberId: fb.memberId, rebalanceTimeoutMs: 800 });
    expect(rejoined).toMatchObject({ errorCode: 0, generationId: 3, leader: fb.memberId });
  });

  it('KIP-345: a static member rejoining gets a new member id without a rebalance, and its old id is fenced', async () => {
    const [a, b2] = [await connect(), await connect()];
    const j1 = await join(a, 'static', { instanceId: 'instance-1', version: 5 });
    // Static members skip MEMBER_ID_REQUIRED.
    expect(j1).toMatchObject({ errorCode: 0, generationId: 1, leader: j1.memberId });
    expect(j1.memberId).toMatch(/^instance-1-/);
    await sync(a, 'static', 1, j1.memberId, [{ memberId: j1.memberId, assignment: Buffer.from('mine') }], { groupInstanceId: 'instance-1' });
    // The same instance restarts (no member id): same generation, the old leader id, no rebalance.
    const j2 = await join(b2, 'static', { instanceId: 'instance-1', version: 5 });
    expect(j2.errorCode).toBe(0);
    expect(j2.memberId).not.toBe(j1.memberId);
    expect(j2).toMatchObject({ generationId: 1, leader: j1.memberId, members: [] });
    expect((await describeGroup(a, 'static')).groupState).toBe('Stable');
    const s2 = await sync(b2, 'static', 1, j2.memberId, [], { groupInstanceId: 'instance-1' });
    expect(s2.assignment.toString()).toBe('mine');
    // The old incarnation is fenced everywhere.
    expect(await heartbeat(a, 'static', 1, j1.memberId, 'instance-1')).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await sync(a, 'static', 1, j1.memberId, [], { groupInstanceId: 'instance-1' })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect((await join(a, 'static', { memberId: j1.memberId, instanceId: 'instance-1', version: 5 })).errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await commitCodes(a, commitBody('static', 't', { 1: 3 }, { generationId: 1, memberId: j1.memberId, instanceId: 'instance-1' }))).toEqual([ErrorCode.FENCED_INSTANCE_ID]);
    const leave = await a.request('LeaveGroup', 4, { groupId: 'static', members: [{ memberId: j1.memberId, groupInstanceId: 'instance-1' }] });
    expect(leave.members[0].errorCode).toBe(ErrorCode.FENCED_INSTANCE_ID);
    expect(await heartbeat(b2, 'static', 1, j2.memberId, 'instance-1')).toBe(0);
    // An unknown instance id with a member id is an unknown member.
    expect((await join(a, 'static', { memberId: j2.memberId, instanceId: 'instance-9', version: 5 })).errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('LeaveGroup: v3+ batches members (static ones by instance id alone), v0 names one', async () => {
    const [a, b2, c] = [await connect(), await connect(), await connect()];
    const fa = await join(a, 'leaving', { instanceId: 'ia', version: 5 });
    expect(fa.generationId).toBe(1);
    await sync(a, 'leaving', 1, fa.memberId, [], { groupInstanceId: 'ia' });
    const bJoin = join(b2, 'leaving', { instanceId: 'ib', version: 5 });
    await waitFor(async () => (await describeGroup(c, 'leaving')).groupState === 'PreparingRebalance', 5000, 'PreparingRebalance');
    const [ra, fb] = await Promise.all([join(a, 'leaving', { memberId: fa.memberId, instanceId: 'ia', version: 5 }), bJoin]);
    expect([ra.generationId, fb.generationId]).toEqual([2, 2]);
    await waitFor(async () => (await describeGroup(c, 'leaving')).members.length === 2, 5000, 'two members');
    const res = await c.request('LeaveGroup', 5, {
      groupId: 'leaving',
      members: [
        { memberId: '', groupInstanceId: 'ia', reason: 'test' },
        { memberId: fb.memberId, groupInstanceId: 'ib', reason: null },
        { memberId: 'nobody', groupInstanceId: null, reason: null },
      ],
    });
    expect(res.errorCode).toBe(0);
    expect(res.members.map((m: any) => [m.memberId, m.groupInstanceId, m.errorCode])).toEqual([
      ['', 'ia', 0],
      [fb.memberId, 'ib', 0],
      ['nobody', null, ErrorCode.UNKNOWN_MEMBER_ID],
    ]);
    await waitFor(async () => (await describeGroup(c, 'leaving')).groupState === 'Empty', 5000, 'Empty');
    // v0: one member, its error is the response's.
    const v0 = await c.request('LeaveGroup', 0, { groupId: 'leaving', memberId: 'nobody' });
    expect(v0.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const jd = await joinWithId(c, 'leaving-v0');
    expect((await c.request('LeaveGroup', 0, { groupId: 'leaving-v0', memberId: jd.memberId })).errorCode).toBe(0);
    expect((await describeGroup(c, 'leaving-v0')).groupState).toBe('Empty');
  });

  it('commits and fetches offsets with every OffsetCommit and OffsetFetch version, keeping metadata strings', async () => {
    const c = await connect();
    for (let v = 0; v <= 9; v++) {
      const body = commitBody('simple', 'other', { 0: 100 + v, 1: 200 + v }, { metadata: `committed by v${v}` });
      expect(await commitCodes(c, body, v)).toEqual([0, 0]);
      const fetched = await fetchOffsets(c, 'simple', [{ name: 'other', partitionIndexes: [0, 1] }], 1);
      expect(fetched.topics[0].partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.metadata, p.errorCode])).toEqual([
        [0, 100 + v, `committed by v${v}`, 0],
        [1, 200 + v, `committed by v${v}`, 0],
      ]);
    }
    // Null metadata is stored as "", as Kafka does.
    expect(await commitCodes(c, commitBody('simple', 'other', { 1: 300 }, { metadata: null }))).toEqual([0]);
    for (const v of [0, 1, 2, 3, 4, 5, 6, 7]) {
      const res = await fetchOffsets(c, 'simple', [{ name: 'other', partitionIndexes: [0, 1, 7] }, { name: 't', partitionIndexes: [2] }], v);
      const got = res.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.metadata])]);
      expect(got).toEqual([
        ['other', [[0, 109, 'committed by v9'], [1, 300, ''], [7, -1, '']]],
        ['t', [[2, -1, '']]],
      ]);
      if (v >= 2) expect(res.errorCode).toBe(0);
    }
    // v2+: a null topic list means every committed offset of the group.
    const all = await fetchOffsets(c, 'simple', null, 7);
    expect(all.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.committedOffset])])).toEqual([['other', [[0, 109], [1, 300]]]]);
    // v8+: several groups in one request; an unknown group has no offsets.
    for (const v of [8, 9]) {
      const multi = await c.request('OffsetFetch', v, {
        groups: [
          { groupId: 'simple', memberId: null, memberEpoch: -1, topics: null },
          { groupId: 'nobody-here', memberId: null, memberEpoch: -1, topics: [{ name: 'other', partitionIndexes: [0] }] },
        ],
        requireStable: true,
      });
      expect(multi.groups.map((g: any) => [g.groupId, g.errorCode, g.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.committedOffset])])])).toEqual([
        ['simple', 0, [['other', [[0, 109], [1, 300]]]]],
        ['nobody-here', 0, [['other', [[0, -1]]]]],
      ]);
    }
  });

  it('refuses commits to unknown partitions, oversized metadata, unknown members, stale or foreign generations', async () => {
    const c = await connect();
    const body = {
      ...commitBody('refusals', 'other', { 0: 1 }),
      topics: [
        { name: 'other', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: 3, commitTimestamp: -1, committedMetadata: 'ok' }, { partitionIndex: 9, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] },
        { name: 'no-such-topic', partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] },
        { name: 'other', partitions: [{ partitionIndex: 1, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'x'.repeat(4097) }] },
      ],
    };
    expect(await commitCodes(c, body)).toEqual([0, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, ErrorCode.OFFSET_METADATA_TOO_LARGE]);
    const fetched = await fetchOffsets(c, 'refusals', [{ name: 'other', partitionIndexes: [0, 1] }], 7);
    expect(fetched.topics[0].partitions.map((p: any) => [p.committedOffset, p.committedLeaderEpoch])).toEqual([[5, 3], [-1, -1]]);
    // A generation for a group that does not exist is refused (only generation -1 may create one).
    expect(await commitCodes(c, commitBody('no-group', 'other', { 0: 1 }, { generationId: 5, memberId: 'm' }))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect((await fetchOffsets(c, 'no-group', null, 7)).topics).toEqual([]);
    // A group with members: strangers, simple commits and members of the rebalance in progress are refused.
    const ja = await joinWithId(c, 'members-only');
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 1 }, { generationId: 1, memberId: ja.memberId }))).toEqual([ErrorCode.REBALANCE_IN_PROGRESS]);
    await sync(c, 'members-only', 1, ja.memberId);
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 1 }, { generationId: 1, memberId: 'stranger' }))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 1 }))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 1 }, { generationId: 2, memberId: ja.memberId }))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 42 }, { generationId: 1, memberId: ja.memberId }))).toEqual([0]);
    expect((await fetchOffsets(c, 'members-only', null, 7)).topics[0].partitions[0].committedOffset).toBe(42);
  });

  it('lists groups with state and type filters and describes unknown groups as Dead', async () => {
    const c = await connect();
    const v0 = await c.request('ListGroups', 0, {});
    expect(v0.errorCode).toBe(0);
    const byId = new Map(v0.groups.map((g: any) => [g.groupId, g.protocolType]));
    expect(byId.get('simple')).toBe('');
    expect(byId.get('members-only')).toBe('consumer');
    const states = await c.request('ListGroups', 4, { statesFilter: ['stable'] });
    expect(states.groups.length).toBeGreaterThan(0);
    expect(states.groups.every((g: any) => g.groupState === 'Stable')).toBe(true);
    expect(states.groups.map((g: any) => g.groupId)).toContain('members-only');
    const empty = await c.request('ListGroups', 4, { statesFilter: ['Empty'] });
    expect(empty.groups.map((g: any) => g.groupId)).toContain('simple');
    expect(empty.groups.map((g: any) => g.groupId)).not.toContain('members-only');
    expect((await c.request('ListGroups', 5, { statesFilter: [], typesFilter: ['consumer'] })).groups).toEqual([]);
    const classic = await c.request('ListGroups', 5, { statesFilter: ['Stable'], typesFilter: ['Classic'] });
    expect(classic.groups.find((g: any) => g.groupId === 'members-only')).toEqual({ groupId: 'members-only', protocolType: 'consumer', groupState: 'Stable', groupType: 'classic' });
    const unknown = await c.request('DescribeGroups', 5, { groups: ['never-seen', 'simple'], includeAuthorizedOperations: true });
    expect(unknown.groups.map((g: any) => [g.groupId, g.errorCode, g.groupState, g.members.length, g.authorizedOperations])).toEqual([
      ['never-seen', 0, 'Dead', 0, 328],
      ['simple', 0, 'Empty', 0, 328],
    ]);
  });

  it('deletes empty groups with their offsets (tombstones), refuses non-empty and unknown ones', async () => {
    const c = await connect();
    const res = await c.request('DeleteGroups', 2, { groupsNames: ['simple', 'members-only', 'never-seen'] });
    expect(res.results.map((r: any) => [r.groupId, r.errorCode])).toEqual([
      ['simple', 0],
      ['members-only', ErrorCode.NON_EMPTY_GROUP],
      ['never-seen', ErrorCode.GROUP_ID_NOT_FOUND],
    ]);
    expect((await fetchOffsets(c, 'simple', null, 7)).topics).toEqual([]);
    expect((await describeGroup(c, 'simple')).groupState).toBe('Dead');
    expect((await c.request('DeleteGroups', 0, { groupsNames: ['simple'] })).results[0].errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    // The log holds a tombstone for each offset and for the group.
    const records = await offsetsRecords(b, offsetsPartitionFor('simple', 50));
    const last = new Map<string, Buffer | null>();
    for (const r of records) last.set(r.key.toString('hex'), r.value);
    const keysOfSimple = [...last.keys()].filter((k) => Buffer.from(k, 'hex').includes(Buffer.from('simple')));
    expect(keysOfSimple.length).toBe(3); // two offsets and the group
    expect(keysOfSimple.every((k) => last.get(k) === null)).toBe(true);
  });

  it('OffsetDelete keeps offsets of subscribed topics (GROUP_SUBSCRIBED_TO_TOPIC) and deletes the rest', async () => {
    const c = await connect();
    const j = await joinWithId(c, 'od', { protocols: [{ name: 'range', metadata: subscription(['t']) }] });
    await sync(c, 'od', 1, j.memberId);
    const both = { ...commitBody('od', 't', { 0: 7 }, { generationId: 1, memberId: j.memberId }) };
    both.topics.push({ name: 'other', partitions: [{ partitionIndex: 1, committedOffset: 8, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] });
    expect(await commitCodes(c, both)).toEqual([0, 0]);
    const res = await c.request('OffsetDelete', 0, { groupId: 'od', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }, { name: 'other', partitions: [{ partitionIndex: 1 }] }, { name: 'gone', partitions: [{ partitionIndex: 0 }] }] });
    expect(res.errorCode).toBe(0);
    expect(res.topics.map((t: any) => [t.name, t.partitions.map((p: any) => p.errorCode)])).toEqual([
      ['t', [ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC]],
      ['other', [0]],
      ['gone', [ErrorCode.UNKNOWN_TOPIC_OR_PARTITION]],
    ]);
    const left = await fetchOffsets(c, 'od', null, 7);
    expect(left.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.committedOffset])])).toEqual([['t', [[0, 7]]]]);
    expect((await c.request('OffsetDelete', 0, { groupId: 'never-seen', topics: [] })).errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    // A non-consumer group with members cannot lose offsets; an empty group loses what is asked.
    const other = await joinWithId(c, 'od-connect', { protocolType: 'connect', protocols: [{ name: 'default', metadata: Buffer.from('x') }] });
    expect(other.errorCode).toBe(0);
    expect((await c.request('OffsetDelete', 0, { groupId: 'od-connect', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] })).errorCode).toBe(ErrorCode.NON_EMPTY_GROUP);
    const leave = await c.request('LeaveGroup', 4, { groupId: 'od', members: [{ memberId: j.memberId, groupInstanceId: null }] });
    expect(leave.members[0].errorCode).toBe(0);
    const emptied = await c.request('OffsetDelete', 0, { groupId: 'od', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
    expect(emptied.topics[0].partitions[0].errorCode).toBe(0);
    expect((await fetchOffsets(c, 'od', null, 7)).topics).toEqual([]);
    // An empty group without offsets is gone.
    expect((await describeGroup(c, 'od')).groupState).toBe('Dead');
  });

  it('writes Kafka\'s record layouts to the group\'s __consumer_offsets partition (Java String.hashCode)', async () => {
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(offsetsPartitionFor('hello', 50)).toBe(22);
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0);
    expect(offsetsPartitionFor('ABCDEFGHIJ', 50)).toBe(Math.abs(javaStringHashCode('ABCDEFGHIJ')) % 50);
    const topic = b.broker.context.topics.get('__consumer_offsets')!;
    expect(topic.internal).toBe(true);
    expect(topic.replicas).toHaveLength(50);
    expect(topic.configs['cleanup.policy']).toBe('compact');

    const c = await connect();
    const before = Date.now();
    expect(await commitCodes(c, commitBody('hello', 'other', { 1: 77 }, { metadata: 'm' }))).toEqual([0]);
    const [record] = (await offsetsRecords(b, 22)).slice(-1);
    const key = new ProtocolReader(record!.key);
    expect([key.int16(), key.string(), key.string(), key.int32(), key.remaining]).toEqual([1, 'hello', 'other', 1, 0]);
    const value = new ProtocolReader(record!.value!);
    expect([value.int16(), value.int64(), value.int32(), value.string()]).toEqual([3, 77, -1, 'm']);
    const commitTimestamp = value.int64();
    expect(commitTimestamp).toBeGreaterThanOrEqual(before);
    expect(value.remaining).toBe(0);

    // Group metadata (key version 2, value version 3) is written when the leader's assignment arrives.
    const j = await joinWithId(c, 'polygenelubricants', { instanceId: null, protocols: [{ name: 'range', metadata: subscription(['t'], 'ud') }] });
    await sync(c, 'polygenelubricants', 1, j.memberId, [{ memberId: j.memberId, assignment: Buffer.from('assigned') }]);
    const groupRecords = (await offsetsRecords(b, 0)).filter((r) => r.key.readInt16BE(0) === 2);
    const last = groupRecords[groupRecords.length - 1]!;
    const gk = new ProtocolReader(last.key);
    expect([gk.int16(), gk.string(), gk.remaining]).toEqual([2, 'polygenelubricants', 0]);
    const gv = new ProtocolReader(last.value!);
    expect([gv.int16(), gv.string(), gv.int32(), gv.nullableString(), gv.nullableString()]).toEqual([3, 'consumer', 1, 'range', j.memberId]);
    expect(gv.int64()).toBeGreaterThanOrEqual(before); // currentStateTimestamp
    expect(gv.int32()).toBe(1); // members
    expect([gv.string(), gv.nullableString(), gv.string(), gv.string(), gv.int32(), gv.int32()]).toEqual([j.memberId, null, 'samsa-test', '/127.0.0.1', 5000, 10_000]);
    expect(gv.bytes()).toEqual(subscription(['t'], 'ud'));
    expect(gv.bytes().toString()).toBe('assigned');
    expect(gv.remaining).toBe(0);
  });


  it('bad input: unreadable member metadata, an assignment or commit too large for __consumer_offsets, and no state corrupted', async () => {
    const c = await connect();
    // Consumer metadata the coordinator cannot read is carried anyway; its subscriptions count as "everything".
    const garbage = Buffer.from([0xff, 0x01, 0x02]);
    const j = await joinWithId(c, 'garbled', { protocols: [{ name: 'range', metadata: garbage }] });
    expect(j.errorCode).toBe(0);
    expect(j.members[0].metadata).toEqual(garbage);
    // An assignment larger than max.message.bytes cannot be stored: the members are told, the group rebalances.
    const huge = await sync(c, 'garbled', 1, j.memberId, [{ memberId: j.memberId, assignment: Buffer.alloc(1_100_000, 7) }]);
    expect(huge.errorCode).toBe(ErrorCode.UNKNOWN_SERVER_ERROR);
    expect(huge.assignment.length).toBe(0);
    expect((await describeGroup(c, 'garbled')).groupState).not.toBe('Stable');
    const again = await join(c, 'garbled', { memberId: j.memberId, protocols: [{ name: 'range', metadata: garbage }] });
    expect(again).toMatchObject({ errorCode: 0, generationId: 2 });
    expect((await sync(c, 'garbled', 2, j.memberId, [{ memberId: j.memberId, assignment: Buffer.from('small') }])).assignment.toString()).toBe('small');
    expect(await heartbeat(c, 'garbled', 2, j.memberId)).toBe(0);
    expect(await commitCodes(c, commitBody('garbled', 'other', { 0: 11 }, { generationId: 2, memberId: j.memberId }))).toEqual([0]);
    const od = await c.request('OffsetDelete', 0, { groupId: 'garbled', topics: [{ name: 'other', partitions: [{ partitionIndex: 0 }] }] });
    expect(od.topics[0].partitions[0].errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    // A commit whose records exceed max.message.bytes is refused whole, and the committed offset stays.
    const big = commitBody('garbled', 'other', {}, { generationId: 2, memberId: j.memberId });
    big.topics[0]!.partitions = Array.from({ length: 300 }, () => ({ partitionIndex: 0, committedOffset: 99, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'm'.repeat(4000) }));
    const codes = await commitCodes(c, big);
    expect(codes).toHaveLength(300);
    expect(new Set(codes)).toEqual(new Set([ErrorCode.INVALID_COMMIT_OFFSET_SIZE]));
    expect((await fetchOffsets(c, 'garbled', null, 7)).topics[0].partitions[0].committedOffset).toBe(11);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while __consumer_offsets loads, NOT_COORDINATOR to joins it dropped, then serves the loaded state', async () => {
    const [a, b2, c] = [await connect(), await connect(), await connect()];
    const ja = await joinWithId(a, 'reload');
    await sync(a, 'reload', 1, ja.memberId, [{ memberId: ja.memberId, assignment: Buffer.from('before reload') }]);
    expect(await commitCodes(a, commitBody('reload', 't', { 3: 33 }, { generationId: 1, memberId: ja.memberId }))).toEqual([0]);
    const fb = await join(b2, 'reload');
    const bJoin = join(b2, 'reload', { memberId: fb.memberId });
    await waitFor(async () => (await describeGroup(c, 'reload')).groupState === 'PreparingRebalance', 5000, 'PreparingRebalance');

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const groups = b.broker.context.groups!;
    // Every __consumer_offsets partition is resigned and elected again: its groups are dropped and read back.
    const partitions = b.broker.context.topics.get('__consumer_offsets')!.replicas.length;
    for (let p = 0; p < partitions; p++) groups.onResignation(p);
    const loaded = Promise.all(Array.from({ length: partitions }, (_, p) => groups.onElection(p, gate)));
    // The join waiting in the dropped rebalance is told to find the coordinator again.
    expect((await bJoin).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await join(c, 'reload')).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(await heartbeat(a, 'reload', 1, ja.memberId)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await sync(a, 'reload', 1, ja.memberId)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await commitCodes(a, commitBody('reload', 't', { 3: 34 }, { generationId: 1, memberId: ja.memberId }))).toEqual([ErrorCode.COORDINATOR_LOAD_IN_PROGRESS]);
    expect((await fetchOffsets(c, 'reload', null, 7)).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const v1 = await fetchOffsets(c, 'reload', [{ name: 't', partitionIndexes: [3] }], 1);
    expect(v1.topics[0].partitions[0].errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await describeGroup(c, 'reload')).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await c.request('ListGroups', 4, { statesFilter: [] })).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    const fc3 = await c.request('FindCoordinator', 3, { key: 'reload', keyType: 0 });
    expect(fc3.errorCode).toBe(ErrorCode.COORDINATOR_NOT_AVAILABLE);
    const fc4 = await c.request('FindCoordinator', 4, { keyType: 0, coordinatorKeys: ['reload', 'other-group'] });
    expect(fc4.coordinators.map((x: any) => x.errorCode)).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.COORDINATOR_NOT_AVAILABLE]);

    release();
    await loaded;
    const found = await c.request('FindCoordinator', 4, { keyType: 0, coordinatorKeys: ['reload'] });
    expect(found.coordinators[0]).toMatchObject({ errorCode: 0, nodeId: b.broker.context.brokerId, port: b.port });
    // The group comes back from the log as it was stored: Stable, generation 1, a's assignment, the offset.
    const described = await describeGroup(c, 'reload');
    expect(described.groupState).toBe('Stable');
    expect(described.members.map((m: any) => [m.memberId, m.memberAssignment.toString()])).toEqual([[ja.memberId, 'before reload']]);
    expect(await heartbeat(a, 'reload', 1, ja.memberId)).toBe(0);
    expect((await fetchOffsets(c, 'reload', [{ name: 't', partitionIndexes: [3] }], 7)).topics[0].partitions[0].committedOffset).toBe(33);
    // Offsets of groups without metadata come back too.
    expect((await fetchOffsets(c, 'hello', null, 7)).topics).toEqual([{ name: 'other', partitions: [{ partitionIndex: 1, committedOffset: 77, committedLeaderEpoch: -1, metadata: 'm', errorCode: 0 }] }]);
    expect((await describeGroup(c, 'simple')).groupState).toBe('Dead');
  });
});

describe('group.initial.rebalance.delay.ms', () => {
  it('holds the first rebalance of an empty group, extending it while members keep arriving', async () => {
    const b = await startBroker({ 'group.initial.rebalance.delay.ms': 600 });
    const [a, c] = [await RawClient.connect(b.port), await RawClient.connect(b.port)];
    try {
      const started = Date.now();
      // JoinGroup v3: member ids come at once, no MEMBER_ID_REQUIRED round trip.
      const first = join(a, 'delayed', { version: 3 });
      await sleep(300);
      const second = join(c, 'delayed', { version: 3 });
      const [ja, jc] = await Promise.all([first, second]);
      const elapsed = Date.now() - started;
      // The 600 ms delay ran out with a member added during it, so a second delay followed.
      expect(elapsed).toBeGreaterThanOrEqual(1100);
      expect([ja.errorCode, jc.errorCode, ja.generationId, jc.generationId]).toEqual([0, 0, 1, 1]);
      const leader = [ja, jc].find((j) => j.members.length > 0)!;
      expect(leader.members).toHaveLength(2);
    } finally {
      a.close();
      c.close();
      await b.stop();
    }
  });
});

describe('group state across broker restarts and offset expiry', () => {
  it('loads groups and offsets back after a restart; members that do not come back are expired', async () => {
    let b = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 500 });
    try {
      await createTopic(b, 'durable', 2);
      let c = await RawClient.connect(b.port);
      const j = await joinWithId(c, 'survivors', { sessionTimeoutMs: 1500, protocols: [{ name: 'range', metadata: subscription(['durable']) }] });
      await sync(c, 'survivors', 1, j.memberId, [{ memberId: j.memberId, assignment: Buffer.from('durable:0,1') }]);
      expect(await commitCodes(c, commitBody('survivors', 'durable', { 0: 10, 1: 20 }, { generationId: 1, memberId: j.memberId, metadata: 'kept' }))).toEqual([0, 0]);
      expect(await commitCodes(c, commitBody('offsets-only', 'durable', { 1: 5 }))).toEqual([0]);
      // A join waiting in a rebalance when the broker stops is answered (NOT_COORDINATOR), so the shutdown does not hang on it.
      const late = await RawClient.connect(b.port);
      const lateJoin = joinWithId(late, 'survivors', { sessionTimeoutMs: 1500 });
      await waitFor(() => b.broker.context.groups!.group('survivors')!.state === 'PreparingRebalance', 5000, 'PreparingRebalance');
      const stopping = b.stop(true);
      expect((await lateJoin).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      await stopping;
      late.close();
      c.close();

      b = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 500 }, b.dir);
      c = await RawClient.connect(b.port);
      await waitFor(async () => (await c.request('FindCoordinator', 3, { key: 'survivors', keyType: 0 })).errorCode === 0, 10_000, 'coordinator loaded');
      const fetched = await fetchOffsets(c, 'survivors', null, 7);
      expect(fetched.topics[0].partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([[0, 10, 'kept'], [1, 20, 'kept']]);
      expect((await fetchOffsets(c, 'offsets-only', [{ name: 'durable', partitionIndexes: [1] }], 5)).topics[0].partitions[0].committedOffset).toBe(5);
      const described = await describeGroup(c, 'survivors');
      expect(described).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
      expect(described.members.map((m: any) => [m.memberId, m.memberAssignment.toString(), m.memberMetadata])).toEqual([[j.memberId, 'durable:0,1', subscription(['durable'])]]);
      // The member never heartbeats again: its session (1.5 s, stored with it) ends and the group empties.
      await waitFor(async () => (await describeGroup(c, 'survivors')).groupState === 'Empty', 10_000, 'Empty after the session');
      expect(b.broker.context.groups!.group('survivors')!.generationId).toBe(2);
      c.close();
      await b.stop(true);

      // The empty generation was stored too.
      b = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 500 }, b.dir);
      c = await RawClient.connect(b.port);
      await waitFor(async () => (await c.request('FindCoordinator', 3, { key: 'survivors', keyType: 0 })).errorCode === 0, 10_000, 'coordinator loaded');
      expect((await describeGroup(c, 'survivors')).groupState).toBe('Empty');
      expect(b.broker.context.groups!.group('survivors')!.generationId).toBe(2);
      expect((await fetchOffsets(c, 'survivors', null, 7)).topics[0].partitions.map((p: any) => p.committedOffset)).toEqual([10, 20]);
      // A new member continues the generations.
      const again = await joinWithId(c, 'survivors');
      expect(again.generationId).toBe(3);
      c.close();
    } finally {
      await b.stop();
    }
  });

  it('expires offsets after offsets.retention.minutes: empty groups entirely, stable groups only for topics nobody subscribes to', async () => {
    const b = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'offsets.retention.minutes': 1 });
    try {
      await createTopic(b, 'kept', 1);
      await createTopic(b, 'dropped', 1);
      const c = await RawClient.connect(b.port);
      expect(await commitCodes(c, commitBody('lapsed', 'kept', { 0: 1 }))).toEqual([0]);
      const j = await joinWithId(c, 'active', { protocols: [{ name: 'range', metadata: subscription(['kept']) }] });
      await sync(c, 'active', 1, j.memberId);
      const body = commitBody('active', 'kept', { 0: 2 }, { generationId: 1, memberId: j.memberId });
      body.topics.push({ name: 'dropped', partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }] });
      expect(await commitCodes(c, body)).toEqual([0, 0]);
      const groups = b.broker.context.groups!;
      // Nothing is old enough yet.
      expect(await groups.cleanupExpiredOffsets(Date.now() + 30_000)).toBe(0);
      expect(await groups.cleanupExpiredOffsets(Date.now() + 61_000)).toBe(2);
      expect((await fetchOffsets(c, 'lapsed', null, 7)).topics).toEqual([]);
      expect((await describeGroup(c, 'lapsed')).groupState).toBe('Dead');
      const active = await fetchOffsets(c, 'active', null, 7);
      expect(active.topics.map((t: any) => t.name)).toEqual(['kept']);
      // Tombstones made it to the log.
      const records = await offsetsRecords(b, offsetsPartitionFor('lapsed', 50));
      expect(records.filter((r) => r.value === null && r.key.includes(Buffer.from('lapsed'))).length).toBe(2);
      c.close();
    } finally {
      await b.stop();
    }
  });
});

// --- real clients ---------------------------------------------------------------

interface Seen {
  consumer: string;
  partition: number;
  offset: number;
  value: string;
}

/** Assignments (partition lists) that split `partitions` among members without overlap. */
function partitionsSplit(assignments: Iterable<number[]>, partitions: number): boolean {
  const all = [...assignments].flat();
  return all.length === partitions && new Set(all).size === partitions;
}

describe('KafkaJS consumer groups', () => {
  let b: TestBroker;
  let kafka: Kafka;

  beforeAll(async () => {
    b = await startBroker({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 1000 });
    kafka = new Kafka({ clientId: 'samsa-groups', brokers: [b.bootstrap], logLevel: logLevel.NOTHING, retry: { retries: 8, initialRetryTime: 100 } });
  });

  afterAll(async () => {
    await b.stop();
  });

  async function produce(topic: string, from: number, count: number, partitions: number): Promise<void> {
    const producer = kafka.producer();
    await producer.connect();
    await producer.send({ topic, messages: Array.from({ length: count }, (_, i) => ({ partition: (from + i) % partitions, value: `m${from + i}` })) });
    await producer.disconnect();
  }

  async function startConsumer(name: string, groupId: string, topic: string, seen: Seen[], assignments: Map<string, number[]>): Promise<Consumer> {
    const consumer = kafka.consumer({ groupId, sessionTimeout: 6000, heartbeatInterval: 500, rebalanceTimeout: 10_000, maxWaitTimeInMs: 200 });
    consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set(name, [...(e.payload.memberAssignment[topic] ?? [])].sort()));
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ partition, message }) => {
        seen.push({ consumer: name, partition, offset: Number(message.offset), value: message.value!.toString() });
      },
    });
    return consumer;
  }

  it('three members share a 4-partition topic; one leaves, the others take over; every message is consumed once and committed', async () => {
    await createTopic(b, 'kjs', 4);
    const seen: Seen[] = [];
    const assignments = new Map<string, number[]>();
    const consumers = new Map<string, Consumer>();
    try {
      for (const name of ['c1', 'c2', 'c3']) consumers.set(name, await startConsumer(name, 'kjs-group', 'kjs', seen, assignments));
      await waitFor(() => assignments.size === 3 && partitionsSplit(assignments.values(), 4) && [...assignments.values()].every((a) => a.length > 0), 30_000, 'three members sharing the partitions');
      const admin = kafka.admin();
      await admin.connect();
      const [described] = (await admin.describeGroups(['kjs-group'])).groups;
      expect(described!.state).toBe('Stable');
      expect(described!.protocolType).toBe('consumer');
      expect(described!.members).toHaveLength(3);

      await produce('kjs', 0, 40, 4);
      await waitFor(() => new Set(seen.map((s) => s.value)).size === 40, 30_000, '40 messages');
      expect(seen).toHaveLength(40);
      // Each partition went to the one member assigned it.
      const owner = new Map<number, string>();
      for (const [name, parts] of assignments) for (const p of parts) owner.set(p, name);
      for (const s of seen) expect(s.consumer).toBe(owner.get(s.partition));

      await consumers.get('c3')!.disconnect();
      consumers.delete('c3');
      assignments.delete('c3');
      await waitFor(() => partitionsSplit([assignments.get('c1') ?? [], assignments.get('c2') ?? []], 4), 30_000, 'c1 and c2 taking over');
      await produce('kjs', 40, 40, 4);
      await waitFor(() => new Set(seen.map((s) => s.value)).size === 80, 30_000, '80 messages');
      await sleep(500);
      // Nothing was consumed twice: c3's commits covered what it had read.
      expect(seen).toHaveLength(80);
      expect(seen.slice(40).every((s) => s.consumer !== 'c3')).toBe(true);
      expect(seen.map((s) => s.value).sort()).toEqual(Array.from({ length: 80 }, (_, i) => `m${i}`).sort());
      await waitFor(async () => {
        const [offsets] = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs'] });
        return offsets!.partitions.every((p) => p.offset === '20');
      }, 15_000, 'committed offsets');
      const [offsets] = await admin.fetchOffsets({ groupId: 'kjs-group', topics: ['kjs'] });
      expect(offsets!.partitions.map((p) => [p.partition, p.offset]).sort()).toEqual([[0, '20'], [1, '20'], [2, '20'], [3, '20']]);
      for (const c of consumers.values()) await c.disconnect();
      consumers.clear();
      const [after] = (await admin.describeGroups(['kjs-group'])).groups;
      expect(after!.state).toBe('Empty');
      await admin.disconnect();
    } finally {
      for (const c of consumers.values()) await c.disconnect().catch(() => {});
    }
  }, 120_000);

  it('a SIGKILLed member\'s partitions move to the survivor when its session times out, resuming from its commits', async () => {
    await createTopic(b, 'kjs-kill', 4);
    const seen: Seen[] = [];
    const assignments = new Map<string, number[]>();
    const script = `
      import { Kafka, logLevel } from 'kafkajs';
      const kafka = new Kafka({ clientId: 'doomed', brokers: [${JSON.stringify(b.bootstrap)}], logLevel: logLevel.NOTHING });
      const consumer = kafka.consumer({ groupId: 'kjs-kill-group', sessionTimeout: 3000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
      consumer.on(consumer.events.GROUP_JOIN, (e) => console.log(JSON.stringify({ assigned: e.payload.memberAssignment['kjs-kill'] ?? [] })));
      await consumer.connect();
      await consumer.subscribe({ topic: 'kjs-kill', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => console.log(JSON.stringify({ partition, offset: Number(message.offset), value: message.value.toString() })) });
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], { cwd: process.cwd(), stdio: ['ignore', 'pipe', 'pipe'] });
    let childAssigned: number[] = [];
    let buffered = '';
    child.stdout!.on('data', (d: Buffer) => {
      buffered += d.toString();
      const lines = buffered.split('\n');
      buffered = lines.pop()!;
      for (const line of lines) {
        const msg = JSON.parse(line);
        if (msg.assigned) childAssigned = [...msg.assigned].sort();
        else seen.push({ consumer: 'doomed', ...msg });
      }
    });
    const consumer = kafka.consumer({ groupId: 'kjs-kill-group', sessionTimeout: 3000, heartbeatInterval: 300, maxWaitTimeInMs: 200 });
    consumer.on(consumer.events.GROUP_JOIN, (e) => assignments.set('survivor', [...(e.payload.memberAssignment['kjs-kill'] ?? [])].sort()));
    try {
      await waitFor(() => childAssigned.length === 4, 30_000, 'the child consumer joining');
      await consumer.connect();
      await consumer.subscribe({ topic: 'kjs-kill', fromBeginning: true });
      await consumer.run({ eachMessage: async ({ partition, message }) => void seen.push({ consumer: 'survivor', partition, offset: Number(message.offset), value: message.value!.toString() }) });
      await waitFor(() => partitionsSplit([childAssigned, assignments.get('survivor') ?? []], 4) && childAssigned.length > 0, 30_000, 'two members');
      await produce('kjs-kill', 0, 40, 4);
      await waitFor(() => new Set(seen.map((s) => s.value)).size === 40, 30_000, '40 messages');
      const admin = kafka.admin();
      await admin.connect();
      await waitFor(async () => (await admin.fetchOffsets({ groupId: 'kjs-kill-group', topics: ['kjs-kill'] }))[0]!.partitions.every((p) => p.offset === '10'), 15_000, 'commits');

      child.kill('SIGKILL');
      const killedAt = Date.now();
      await waitFor(() => (assignments.get('survivor') ?? []).length === 4, 30_000, 'the survivor taking every partition');
      // The dead member's session (3 s) ends, the survivor learns of the rebalance from a heartbeat and rejoins.
      expect(Date.now() - killedAt).toBeLessThan(3000 + 2500);
      await produce('kjs-kill', 40, 40, 4);
      await waitFor(() => new Set(seen.map((s) => s.value)).size === 80, 30_000, '80 messages');
      await sleep(300);
      expect(seen).toHaveLength(80);
      expect(seen.slice(40).every((s) => s.consumer === 'survivor')).toBe(true);
      await admin.disconnect();
    } finally {
      child.kill('SIGKILL');
      await consumer.disconnect().catch(() => {});
    }
  }, 120_000);
});

const KCAT = '/usr/bin/kcat';

/** A long-running `kcat -G` member: its output lines as they come, and how it exited. */
function kcatMember(bootstrap: string, group: string, topic: string, extra: string[] = []) {
  // No -o: `-o beginning` would restart every assigned partition from 0 on each rebalance, ignoring commits.
  const child = spawn(KCAT, ['-b', bootstrap, '-G', group, topic, '-u', '-q', '-f', '%p %o %s\n', '-X', 'auto.offset.reset=earliest', '-X', 'session.timeout.ms=6000', '-X', 'heartbeat.interval.ms=300', ...extra], { stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  let partial = '';
  let stderr = '';
  child.stdout!.on('data', (d: Buffer) => {
    const parts = (partial + d.toString()).split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, lines, exited, stderr: () => stderr };
}

describe.skipIf(!existsSync(KCAT))('kcat -G (librdkafka balanced consumer)', () => {
  let b: TestBroker;

  beforeAll(async () => {
    b = await startBroker({ 'group.initial.rebalance.delay.ms': 0 });
    await createTopic(b, 'kcat-g', 4);
  });

  afterAll(async () => {
    await b.stop();
  });

  /** Commits the log end of every partition for a group (as a simple consumer) so its members start there. */
  async function commitAtEnd(group: string): Promise<void> {
    const c = await RawClient.connect(b.port);
    const ends: Record<number, number> = {};
    for (let p = 0; p < 4; p++) ends[p] = b.broker.context.topics.partition('kcat-g', p)!.logEndOffset;
    expect(await commitCodes(c, commitBody(group, 'kcat-g', ends))).toEqual([0, 0, 0, 0]);
    c.close();
  }

  async function produceTo(from: number, count: number): Promise<void> {
    const c = await RawClient.connect(b.port);
    for (let p = 0; p < 4; p++) {
      const values = Array.from({ length: count }, (_, i) => from + i).filter((i) => i % 4 === p).map((i) => ({ value: `k${i}` }));
      const res = await c.request('Produce', 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'kcat-g', partitionData: [{ index: p, records: buildRecordBatch(values) }] }] });
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
    }
    c.close();
  }

  /** The partitions of a ConsumerProtocolAssignment (int16 version, then topics with their partitions). */
  function assignedPartitions(assignment: Buffer): number[] {
    if (assignment.length === 0) return [];
    const r = new ProtocolReader(assignment);
    r.int16();
    const out: number[] = [];
    for (let t = r.arrayLength(); t > 0; t--) {
      r.string();
      for (let p = r.arrayLength(); p > 0; p--) out.push(r.int32());
    }
    return out;
  }

  // Eager (range) and cooperative (KIP-429, two rebalances to move a partition) clients both just work: the coordinator carries their bytes.
  it.each(['range', 'cooperative-sticky'])('%s: two members split the partitions; when one leaves the other takes all; nothing is consumed twice after commits', async (strategy) => {
    const group = `kcat-${strategy}`;
    const groupOf = () => b.broker.context.groups!.group(group);
    const offset = strategy === 'range' ? 0 : 80;
    const produce = (from: number, count: number) => produceTo(offset + from, count);
    const settled = (members: number) => {
      const g = groupOf();
      if (g?.state !== 'Stable' || g.size !== members) return false;
      const parts = [...g.members.values()].map((m) => assignedPartitions(m.assignment));
      return parts.every((p) => p.length > 0) && partitionsSplit(parts, 4);
    };
    const extra = ['-X', `partition.assignment.strategy=${strategy}`];
    // The second run starts where the first test's records end.
    if (offset > 0) await commitAtEnd(group);
    const one = kcatMember(b.bootstrap, group, 'kcat-g', extra);
    const two = kcatMember(b.bootstrap, group, 'kcat-g', extra);
    try {
      await waitFor(() => settled(2), 30_000, 'two kcat members in a Stable group');
      // The coordinator records an assignment before the members act on it: under cooperative-sticky the
      // old owner still fetches a moving partition until it processes the revocation. Give both members
      // time to apply it before producing, so each record has exactly one possible reader.
      await sleep(2000);
      expect(groupOf()!.protocolName).toBe(strategy);
      await produce(0, 40);
      await waitFor(() => one.lines.length + two.lines.length >= 40, 30_000, '40 messages through kcat');
      const parse = (l: string) => ({ partition: Number(l.split(' ')[0]), offset: Number(l.split(' ')[1]), value: l.split(' ')[2]! });
      const p1 = new Set(one.lines.map((l) => parse(l).partition));
      const p2 = new Set(two.lines.map((l) => parse(l).partition));
      // Each partition was read by exactly one member (librdkafka's range assignor: two each).
      expect([...p1].filter((p) => p2.has(p))).toEqual([]);
      expect([...p1, ...p2].sort()).toEqual([0, 1, 2, 3]);
      expect([p1.size, p2.size]).toEqual([2, 2]);
      expect([...one.lines, ...two.lines].map((l) => parse(l).value).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `k${offset + i}`).sort());

      // One member stops (SIGTERM: kcat commits and leaves the group); the other gets every partition.
      one.child.kill('SIGTERM');
      expect(await one.exited).toBe(0);
      await waitFor(() => settled(1), 30_000, 'the remaining member alone');
      const before = two.lines.length;
      await produce(40, 40);
      await waitFor(() => two.lines.length - before >= 40, 30_000, '40 more messages through the remaining member');
      await sleep(300);
      const later = two.lines.slice(before).map(parse);
      expect(new Set(later.map((m) => m.partition))).toEqual(new Set([0, 1, 2, 3]));
      expect(later.map((m) => m.value).sort()).toEqual(Array.from({ length: 40 }, (_, i) => `k${offset + 40 + i}`).sort());
      // Nothing was read twice in all.
      const everything = [...one.lines, ...two.lines].map((l) => parse(l).value);
      expect(everything).toHaveLength(80);
      expect(new Set(everything).size).toBe(80);

      two.child.kill('SIGTERM');
      expect(await two.exited).toBe(0);
      const c = await RawClient.connect(b.port);
      const committed = await fetchOffsets(c, group, [{ name: 'kcat-g', partitionIndexes: [0, 1, 2, 3] }], 7);
      expect(committed.topics[0].partitions.map((p: any) => p.committedOffset)).toEqual([20, 20, 20, 20].map((n) => n + offset / 4));
      c.close();
      // A member started now (-e: exit at the end of its partitions) finds nothing left to read.
      const out = await new Promise<string>((resolve, reject) =>
        execFile(KCAT, ['-b', b.bootstrap, '-G', group, 'kcat-g', '-e', '-q', '-f', '%p %o %s\n', '-X', 'auto.offset.reset=earliest', ...extra], { timeout: 30_000 }, (e, stdout, stderr) => (e ? reject(new Error(`${e.message}\n${stderr}`)) : resolve(stdout))),
      );
      expect(out).toBe('');
    } finally {
      one.child.kill('SIGKILL');
      two.child.kill('SIGKILL');
    }
  }, 120_000);
});

// Debian's interpreter: its dist-packages hold python3-kafka and python3-confluent-kafka.
const PYTHON = '/usr/bin/python3';

/** Consumes `count` records as a member of `group`, commits synchronously, closes; prints what it read and committed. */
const PY_GROUP_CONSUMER = String.raw`
import json, sys, time
client, bootstrap, topic, group, count = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])
out = []
if client == 'kafka-python':
    from kafka import KafkaConsumer, TopicPartition
    consumer = KafkaConsumer(topic, bootstrap_servers=bootstrap, group_id=group, enable_auto_commit=False,
                             auto_offset_reset='earliest', consumer_timeout_ms=20000, session_timeout_ms=6000,
                             heartbeat_interval_ms=1000)
    for m in consumer:
        out.append({'offset': m.offset, 'value': m.value.decode()})
        if len(out) >= count:
            break
    consumer.commit()
    committed = consumer.committed(TopicPartition(topic, 0))
    consumer.close()
else:
    from confluent_kafka import Consumer, TopicPartition
    consumer = Consumer({'bootstrap.servers': bootstrap, 'group.id': group, 'enable.auto.commit': False,
                         'auto.offset.reset': 'earliest', 'session.timeout.ms': 6000})
    consumer.subscribe([topic])
    deadline = time.time() + 30
    while len(out) < count and time.time() < deadline:
        m = consumer.poll(0.5)
        if m is None or m.error():
            continue
        out.append({'offset': m.offset(), 'value': m.value().decode()})
    consumer.commit(asynchronous=False)
    committed = consumer.committed([TopicPartition(topic, 0)], timeout=10)[0].offset
    consumer.close()
print(json.dumps({'records': out, 'committed': committed}))
`;

function pyGroupConsume(client: string, bootstrap: string, topic: string, group: string, count: number): Promise<{ records: Array<{ offset: number; value: string }>; committed: number }> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, ['-c', PY_GROUP_CONSUMER, client, bootstrap, topic, group, String(count)], { timeout: 90_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${client} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

describe.skipIf(!existsSync(PYTHON))('Python group consumers resume from their commits across a broker restart', () => {
  it.each(['kafka-python', 'confluent-kafka'])('%s: commit, close, restart the broker, reopen', async (client) => {
    const settings = { 'group.initial.rebalance.delay.ms': 0 };
    let b = await startBroker(settings);
    try {
      const topic = `py-${client}`;
      await createTopic(b, topic, 1);
      const c = await RawClient.connect(b.port);
      const res = await c.request('Produce', 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: topic, partitionData: [{ index: 0, records: buildRecordBatch(Array.from({ length: 10 }, (_, i) => ({ value: `v${i}` }))) }] }] });
      expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
      c.close();

      const first = await pyGroupConsume(client, b.bootstrap, topic, `${client}-group`, 4);
      expect(first.records).toEqual([0, 1, 2, 3].map((i) => ({ offset: i, value: `v${i}` })));
      expect(first.committed).toBe(4);

      await b.stop(true);
      b = await startBroker(settings, b.dir);
      const second = await pyGroupConsume(client, b.bootstrap, topic, `${client}-group`, 3);
      expect(second.records).toEqual([4, 5, 6].map((i) => ({ offset: i, value: `v${i}` })));
      expect(second.committed).toBe(7);
      const raw = await RawClient.connect(b.port);
      const fetched = await fetchOffsets(raw, `${client}-group`, [{ name: topic, partitionIndexes: [0] }], 5);
      expect(fetched.topics[0].partitions[0].committedOffset).toBe(7);
      // Both runs were group members (JoinGroup/SyncGroup), not offset-only commits: each joined a generation and left it empty.
      const described = await describeGroup(raw, `${client}-group`);
      expect([described.groupState, described.protocolType]).toEqual(['Empty', 'consumer']);
      expect(b.broker.context.groups!.group(`${client}-group`)!.generationId).toBe(4);
      raw.close();
    } finally {
      await b.stop();
    }
  }, 180_000);
});
