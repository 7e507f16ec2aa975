import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { commitBody, commitCodes, describeGroup, groupSuite, heartbeat, join, joinWithId, subscription, sync, track, waitFor } from './group-harness.js';

// JoinGroup, SyncGroup, Heartbeat and LeaveGroup over the wire: members, generations, protocols, static members.
describe('group membership (raw protocol)', () => {
  const gb = groupSuite(
    { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 500, 'group.max.session.timeout.ms': 60_000, 'group.max.size': 4 },
    { t: 4, other: 2 },
  );
  const connect = () => gb.connect();

  it('KIP-394: a first JoinGroup v4+ gets MEMBER_ID_REQUIRED with the member id to use; a lone member then leads generation 1', async () => {
    const c = await connect();
    const first = await join(c, 'solo');
    expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    expect(first.memberId).toMatch(/^samsa-test-[0-9a-f-]{36}$/);
    expect(first.generationId).toBe(-1);
    const joined = await join(c, 'solo', { memberId: first.memberId });
    expect(joined).toMatchObject({
      errorCode: 0,
      generationId: 1,
      protocolType: 'consumer',
      protocolName: 'range',
      leader: first.memberId,
      memberId: first.memberId,
    });
    expect(joined.members).toEqual([{ memberId: first.memberId, groupInstanceId: null, metadata: subscription(['t']) }]);
    expect((await describeGroup(c, 'solo')).groupState).toBe('CompletingRebalance');
    const synced = await sync(c, 'solo', 1, first.memberId, [{ memberId: first.memberId, assignment: Buffer.from('all of t') }]);
    expect(synced).toMatchObject({ errorCode: 0, protocolType: 'consumer', protocolName: 'range' });
    expect(synced.assignment.toString()).toBe('all of t');
    const described = await describeGroup(c, 'solo');
    expect(described).toMatchObject({ errorCode: 0, groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
    expect(described.members.map((m: any) => [m.memberId, m.clientId, m.memberAssignment.toString()])).toEqual([[first.memberId, 'samsa-test', 'all of t']]);
    expect(await heartbeat(c, 'solo', 1, first.memberId)).toBe(0);
    // A JoinGroup before v4 gets its member id at once and joins in the same round trip.
    const old = await connect();
    expect(await join(old, 'solo-v3', { version: 3 })).toMatchObject({ errorCode: 0, generationId: 1 });
  });

  it('rebalances when a member joins: heartbeats answer REBALANCE_IN_PROGRESS, joins wait for every member, followers wait for the leader', async () => {
    const [a, b2] = [await connect(), await connect()];
    const ja = await joinWithId(a, 'pair');
    expect(ja.generationId).toBe(1);
    await sync(a, 'pair', 1, ja.memberId, [{ memberId: ja.memberId, assignment: Buffer.from('a:0-3') }]);

    const jb = await join(b2, 'pair');
    expect(jb.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
    const bJoin = track(join(b2, 'pair', { memberId: jb.memberId }));
    // b's join waits until a rejoins; a learns of the rebalance from its heartbeat.
    await waitFor(
      () => gb.group('pair')?.state === 'PreparingRebalance' && gb.group('pair')!.members.get(jb.memberId)?.isAwaitingJoin === true,
      'b waiting in PreparingRebalance',
      5000,
    );
    expect(gb.group('pair')!.get(ja.memberId).isAwaitingJoin).toBe(false);
    expect(bJoin.settled()).toBe(false);
    expect((await describeGroup(a, 'pair')).groupState).toBe('PreparingRebalance');
    expect(await heartbeat(a, 'pair', 1, ja.memberId)).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    // An old generation can still commit while the group prepares (the heartbeat carries the news).
    expect(await commitCodes(a, commitBody('pair', 't', { 0: 5 }, { generationId: 1, memberId: ja.memberId }))).toEqual([0]);
    const aRejoin = await join(a, 'pair', { memberId: ja.memberId });
    const bJoined = await bJoin.promise;
    expect(aRejoin).toMatchObject({ errorCode: 0, generationId: 2, leader: ja.memberId, protocolName: 'range' });
    expect(bJoined).toMatchObject({ errorCode: 0, generationId: 2, leader: ja.memberId, members: [] });
    expect(aRejoin.members.map((m: any) => m.memberId).sort()).toEqual([ja.memberId, jb.memberId].sort());

    // The follower's SyncGroup waits for the leader's assignment.
    const bSync = track(sync(b2, 'pair', 2, jb.memberId));
    await waitFor(() => gb.group('pair')!.get(jb.memberId).isAwaitingSync, "b's SyncGroup held", 5000);
    expect(bSync.settled()).toBe(false);
    expect(await heartbeat(a, 'pair', 2, ja.memberId)).toBe(0); // CompletingRebalance: a normal heartbeat
    const aSync = await sync(a, 'pair', 2, ja.memberId, [
      { memberId: ja.memberId, assignment: Buffer.from('a:0-1') },
      { memberId: jb.memberId, assignment: Buffer.from('b:2-3') },
    ]);
    expect(aSync.assignment.toString()).toBe('a:0-1');
    expect((await bSync.promise).assignment.toString()).toBe('b:2-3');
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

  it("selects the protocol every member supports, by the members' votes", async () => {
    const [a, b2, c] = [await connect(), await connect(), await connect()];
    const meta = (s: string) => Buffer.from(s);
    // Every member supports roundrobin; range is a's first choice, roundrobin is b's and c's; sticky is a's alone.
    const pa = [
      { name: 'range', metadata: meta('a-range') },
      { name: 'roundrobin', metadata: meta('a-rr') },
      { name: 'sticky', metadata: meta('a-sticky') },
    ];
    const pb = [
      { name: 'roundrobin', metadata: meta('b-rr') },
      { name: 'range', metadata: meta('b-range') },
    ];
    const pc = [
      { name: 'roundrobin', metadata: meta('c-rr') },
      { name: 'range', metadata: meta('c-range') },
    ];
    const ja = await joinWithId(a, 'votes', { protocols: pa });
    expect(ja.protocolName).toBe('range');
    await sync(a, 'votes', 1, ja.memberId, [], { protocolName: 'range' });
    const fb = await join(b2, 'votes', { protocols: pb });
    const fc = await join(c, 'votes', { protocols: pc });
    const joins = [
      join(a, 'votes', { memberId: ja.memberId, protocols: pa }),
      join(b2, 'votes', { memberId: fb.memberId, protocols: pb }),
      join(c, 'votes', { memberId: fc.memberId, protocols: pc }),
    ];
    const results = await Promise.all(joins);
    expect(results.map((r) => [r.errorCode, r.generationId, r.protocolName])).toEqual([
      [0, 2, 'roundrobin'],
      [0, 2, 'roundrobin'],
      [0, 2, 'roundrobin'],
    ]);
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
    expect((await sync(b2, 'votes', 2, fb.memberId, [], { protocolType: 'connect', protocolName: 'roundrobin' })).errorCode).toBe(
      ErrorCode.INCONSISTENT_GROUP_PROTOCOL,
    );
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
    expect(joined.map((j) => [j.errorCode, j.generationId])).toEqual([
      [0, 2],
      [0, 2],
      [0, 2],
      [0, 2],
    ]);
    const fifth = await connect();
    expect((await join(fifth, 'full')).errorCode).toBe(ErrorCode.GROUP_MAX_SIZE_REACHED);
    expect(await heartbeat(members[0]!, 'full', 1, 'not-a-member')).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect((await describeGroup(c, 'full')).members).toHaveLength(4);
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
    expect(await commitCodes(a, commitBody('static', 't', { 1: 3 }, { generationId: 1, memberId: j1.memberId, instanceId: 'instance-1' }))).toEqual([
      ErrorCode.FENCED_INSTANCE_ID,
    ]);
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
    await waitFor(async () => (await describeGroup(c, 'leaving')).groupState === 'PreparingRebalance', 'PreparingRebalance', 5000);
    const [ra, fb] = await Promise.all([join(a, 'leaving', { memberId: fa.memberId, instanceId: 'ia', version: 5 }), bJoin]);
    expect([ra.generationId, fb.generationId]).toEqual([2, 2]);
    await waitFor(async () => (await describeGroup(c, 'leaving')).members.length === 2, 'two members', 5000);
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
    await waitFor(async () => (await describeGroup(c, 'leaving')).groupState === 'Empty', 'Empty', 5000);
    // v0: one member, its error is the response's.
    const v0 = await c.request('LeaveGroup', 0, { groupId: 'leaving', memberId: 'nobody' });
    expect(v0.errorCode).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    const jd = await joinWithId(c, 'leaving-v0');
    expect((await c.request('LeaveGroup', 0, { groupId: 'leaving-v0', memberId: jd.memberId })).errorCode).toBe(0);
    expect((await describeGroup(c, 'leaving-v0')).groupState).toBe('Empty');
  });

  it('bad input: unreadable member metadata is carried, an assignment too large for __consumer_offsets is refused and the group rebalances, and no state is corrupted', async () => {
    const c = await connect();
    // Consumer metadata the coordinator cannot read is carried anyway.
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
  });
});
