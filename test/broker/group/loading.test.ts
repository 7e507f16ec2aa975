import { describe, expect, it } from 'vitest';
import { javaStringHashCode, offsetsPartitionFor } from '../../../src/broker/group/java-hash.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ProtocolReader } from '../../../src/protocol/reader.js';
import {
  commitBody,
  commitCodes,
  createTopic,
  describeGroup,
  fetchOffsets,
  groupSuite,
  heartbeat,
  join,
  joinWithId,
  offsetsRecords,
  startGroupBroker,
  subscription,
  sync,
  waitFor,
} from './group-harness.js';

// Groups and offsets in __consumer_offsets: the records written, a partition's groups loaded and unloaded, restarts.
describe('__consumer_offsets records and loading (raw protocol)', () => {
  const gb = groupSuite({ 'group.initial.rebalance.delay.ms': 0 }, { t: 4, other: 2 });
  const connect = () => gb.connect();

  it("writes Kafka's record layouts to the group's __consumer_offsets partition (Java String.hashCode)", async () => {
    expect(javaStringHashCode('hello')).toBe(99162322);
    expect(javaStringHashCode('polygenelubricants')).toBe(-2147483648);
    expect(offsetsPartitionFor('hello', 50)).toBe(22);
    expect(offsetsPartitionFor('polygenelubricants', 50)).toBe(0);
    expect(offsetsPartitionFor('ABCDEFGHIJ', 50)).toBe(Math.abs(javaStringHashCode('ABCDEFGHIJ')) % 50);

    const c = await connect();
    const before = Date.now();
    expect(await commitCodes(c, commitBody('hello', 'other', { 1: 77 }, { metadata: 'm' }))).toEqual([0]);
    // The first write created the topic, compacted, with offsets.topic.num.partitions partitions.
    const topic = gb.b.broker.context.topics.get('__consumer_offsets')!;
    expect(topic.internal).toBe(true);
    expect(topic.replicas).toHaveLength(50);
    expect(topic.configs['cleanup.policy']).toBe('compact');
    const [record] = (await offsetsRecords(gb.b, 22)).slice(-1);
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
    const groupRecords = (await offsetsRecords(gb.b, 0)).filter((r) => r.key.readInt16BE(0) === 2);
    const last = groupRecords[groupRecords.length - 1]!;
    const gk = new ProtocolReader(last.key);
    expect([gk.int16(), gk.string(), gk.remaining]).toEqual([2, 'polygenelubricants', 0]);
    const gv = new ProtocolReader(last.value!);
    expect([gv.int16(), gv.string(), gv.int32(), gv.nullableString(), gv.nullableString()]).toEqual([3, 'consumer', 1, 'range', j.memberId]);
    expect(gv.int64()).toBeGreaterThanOrEqual(before); // currentStateTimestamp
    expect(gv.int32()).toBe(1); // members
    expect([gv.string(), gv.nullableString(), gv.string(), gv.string(), gv.int32(), gv.int32()]).toEqual([
      j.memberId,
      null,
      'samsa-test',
      '/127.0.0.1',
      5000,
      10_000,
    ]);
    expect(gv.bytes()).toEqual(subscription(['t'], 'ud'));
    expect(gv.bytes().toString()).toBe('assigned');
    expect(gv.remaining).toBe(0);
  });

  it('answers COORDINATOR_LOAD_IN_PROGRESS while __consumer_offsets loads, NOT_COORDINATOR to joins it dropped, then serves the loaded state', async () => {
    const [a, b2, c] = [await connect(), await connect(), await connect()];
    // An offset-only group, and a group deleted before the reload: both as the log says after it.
    expect(await commitCodes(c, commitBody('offsets-only-reload', 'other', { 1: 77 }, { metadata: 'm' }))).toEqual([0]);
    expect(await commitCodes(c, commitBody('deleted-before-reload', 'other', { 0: 1 }))).toEqual([0]);
    expect((await c.request('DeleteGroups', 2, { groupsNames: ['deleted-before-reload'] })).results[0].errorCode).toBe(0);
    const ja = await joinWithId(a, 'reload');
    await sync(a, 'reload', 1, ja.memberId, [{ memberId: ja.memberId, assignment: Buffer.from('before reload') }]);
    expect(await commitCodes(a, commitBody('reload', 't', { 3: 33 }, { generationId: 1, memberId: ja.memberId }))).toEqual([0]);
    const fb = await join(b2, 'reload');
    const bJoin = join(b2, 'reload', { memberId: fb.memberId });
    await waitFor(async () => (await describeGroup(c, 'reload')).groupState === 'PreparingRebalance', 'PreparingRebalance', 5000);

    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    // Every __consumer_offsets partition is resigned and elected again: its groups are dropped and read back.
    const partitions = gb.b.broker.context.topics.get('__consumer_offsets')!.replicas.length;
    for (let p = 0; p < partitions; p++) gb.coordinator.onResignation(p);
    const loaded = Promise.all(Array.from({ length: partitions }, (_, p) => gb.coordinator.onElection(p, gate)));
    // The join waiting in the dropped rebalance is told to find the coordinator again.
    expect((await bJoin).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await join(c, 'reload')).errorCode).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect(await heartbeat(a, 'reload', 1, ja.memberId)).toBe(ErrorCode.COORDINATOR_LOAD_IN_PROGRESS);
    expect((await sync(a, 'reload', 1, ja.memberId)).errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await commitCodes(a, commitBody('reload', 't', { 3: 34 }, { generationId: 1, memberId: ja.memberId }))).toEqual([
      ErrorCode.COORDINATOR_LOAD_IN_PROGRESS,
    ]);
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
    expect(found.coordinators[0]).toMatchObject({ errorCode: 0, nodeId: gb.b.broker.context.brokerId, port: gb.b.port });
    // The group comes back from the log as it was stored: Stable, generation 1, a's assignment, the offset.
    const described = await describeGroup(c, 'reload');
    expect(described.groupState).toBe('Stable');
    expect(described.members.map((m: any) => [m.memberId, m.memberAssignment.toString()])).toEqual([[ja.memberId, 'before reload']]);
    expect(await heartbeat(a, 'reload', 1, ja.memberId)).toBe(0);
    expect((await fetchOffsets(c, 'reload', [{ name: 't', partitionIndexes: [3] }], 7)).topics[0].partitions[0].committedOffset).toBe(33);
    // Offsets of groups without metadata come back too; a deleted group stays deleted.
    expect((await fetchOffsets(c, 'offsets-only-reload', null, 7)).topics).toEqual([
      { name: 'other', partitions: [{ partitionIndex: 1, committedOffset: 77, committedLeaderEpoch: -1, metadata: 'm', errorCode: 0 }] },
    ]);
    expect((await describeGroup(c, 'deleted-before-reload')).groupState).toBe('Dead');
  });

  it("onResignation drops one partition's groups (NOT_COORDINATOR) and leaves the others; onElection reads them back; a load resigned before it finishes installs nothing", async () => {
    const [a, b2, c] = [await connect(), await connect(), await connect()];
    const resigned = offsetsPartitionFor('resigned', 50);
    expect(offsetsPartitionFor('kept', 50)).not.toBe(resigned);
    const ja = await joinWithId(a, 'resigned');
    await sync(a, 'resigned', 1, ja.memberId, [{ memberId: ja.memberId, assignment: Buffer.from('mine') }]);
    expect(await commitCodes(a, commitBody('resigned', 't', { 0: 5 }, { generationId: 1, memberId: ja.memberId }))).toEqual([0]);
    expect(await commitCodes(c, commitBody('kept', 't', { 1: 6 }))).toEqual([0]);
    const fb = await join(b2, 'resigned');
    const bJoin = join(b2, 'resigned', { memberId: fb.memberId });
    await waitFor(() => gb.group('resigned')?.state === 'PreparingRebalance', 'PreparingRebalance', 5000);

    gb.coordinator.onResignation(resigned);
    expect((await bJoin).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(gb.group('resigned')).toBeUndefined();
    expect((await join(c, 'resigned')).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await heartbeat(a, 'resigned', 1, ja.memberId)).toBe(ErrorCode.NOT_COORDINATOR);
    expect(await commitCodes(a, commitBody('resigned', 't', { 0: 7 }, { generationId: 1, memberId: ja.memberId }))).toEqual([ErrorCode.NOT_COORDINATOR]);
    expect((await fetchOffsets(c, 'resigned', null, 7)).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    expect((await describeGroup(c, 'resigned')).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
    const fc = await c.request('FindCoordinator', 4, { keyType: 0, coordinatorKeys: ['resigned', 'kept'] });
    expect(fc.coordinators.map((x: any) => x.errorCode)).toEqual([ErrorCode.COORDINATOR_NOT_AVAILABLE, 0]);
    // Groups of other partitions are untouched.
    expect((await fetchOffsets(c, 'kept', null, 7)).topics[0].partitions.map((p: any) => p.committedOffset)).toEqual([6]);
    const listed = await c.request('ListGroups', 4, { statesFilter: [] });
    expect(listed.errorCode).toBe(0);
    expect(listed.groups.map((g: any) => g.groupId)).toContain('kept');
    expect(listed.groups.map((g: any) => g.groupId)).not.toContain('resigned');

    // Elected again, but resigned before the read: that load installs nothing.
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const abandoned = gb.coordinator.onElection(resigned, gate);
    expect(gb.coordinator.isGroupLoading('resigned')).toBe(true);
    gb.coordinator.onResignation(resigned);
    expect(gb.coordinator.isGroupLoading('resigned')).toBe(false);
    release();
    expect(await abandoned).toBe(0);
    expect(gb.group('resigned')).toBeUndefined();
    expect((await describeGroup(c, 'resigned')).errorCode).toBe(ErrorCode.NOT_COORDINATOR);

    // Elected again: the group comes back as the log has it (the rebalance under way was never stored).
    expect(await gb.coordinator.onElection(resigned)).toBeGreaterThanOrEqual(1);
    const described = await describeGroup(c, 'resigned');
    expect(described).toMatchObject({ errorCode: 0, groupState: 'Stable' });
    expect(described.members.map((m: any) => [m.memberId, m.memberAssignment.toString()])).toEqual([[ja.memberId, 'mine']]);
    expect(await heartbeat(a, 'resigned', 1, ja.memberId)).toBe(0);
    expect((await fetchOffsets(c, 'resigned', null, 7)).topics[0].partitions.map((p: any) => p.committedOffset)).toEqual([5]);
  });
});

describe('group state across broker restarts', () => {
  it('loads groups and offsets back after a restart; members that do not come back are expired', async () => {
    const settings = { 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 500 };
    let gb = await startGroupBroker(settings);
    try {
      await createTopic(gb.b, 'durable', 2);
      let c = await gb.connect();
      const j = await joinWithId(c, 'survivors', { sessionTimeoutMs: 1500, protocols: [{ name: 'range', metadata: subscription(['durable']) }] });
      await sync(c, 'survivors', 1, j.memberId, [{ memberId: j.memberId, assignment: Buffer.from('durable:0,1') }]);
      expect(await commitCodes(c, commitBody('survivors', 'durable', { 0: 10, 1: 20 }, { generationId: 1, memberId: j.memberId, metadata: 'kept' }))).toEqual([
        0, 0,
      ]);
      expect(await commitCodes(c, commitBody('offsets-only', 'durable', { 1: 5 }))).toEqual([0]);
      // A join waiting in a rebalance when the broker stops is answered (NOT_COORDINATOR), so the shutdown does not hang on it.
      const late = await gb.connect();
      const lateJoin = joinWithId(late, 'survivors', { sessionTimeoutMs: 1500 });
      await waitFor(() => gb.group('survivors')!.state === 'PreparingRebalance', 'PreparingRebalance', 5000);
      const stopping = gb.stop(true);
      expect((await lateJoin).errorCode).toBe(ErrorCode.NOT_COORDINATOR);
      await stopping;

      gb = await startGroupBroker(settings, gb.b.dir);
      c = await gb.connect();
      await waitFor(async () => (await c.request('FindCoordinator', 3, { key: 'survivors', keyType: 0 })).errorCode === 0, 'coordinator loaded', 10_000);
      const fetched = await fetchOffsets(c, 'survivors', null, 7);
      expect(fetched.topics[0].partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.metadata])).toEqual([
        [0, 10, 'kept'],
        [1, 20, 'kept'],
      ]);
      expect((await fetchOffsets(c, 'offsets-only', [{ name: 'durable', partitionIndexes: [1] }], 5)).topics[0].partitions[0].committedOffset).toBe(5);
      const described = await describeGroup(c, 'survivors');
      expect(described).toMatchObject({ groupState: 'Stable', protocolType: 'consumer', protocolData: 'range' });
      expect(described.members.map((m: any) => [m.memberId, m.memberAssignment.toString(), m.memberMetadata])).toEqual([
        [j.memberId, 'durable:0,1', subscription(['durable'])],
      ]);
      // The member never heartbeats again: its session (1.5 s, stored with it) ends and the group empties.
      await waitFor(async () => (await describeGroup(c, 'survivors')).groupState === 'Empty', 'Empty after the session', 10_000);
      expect(gb.group('survivors')!.generationId).toBe(2);
      await gb.stop(true);

      // The empty generation was stored too.
      gb = await startGroupBroker(settings, gb.b.dir);
      c = await gb.connect();
      await waitFor(async () => (await c.request('FindCoordinator', 3, { key: 'survivors', keyType: 0 })).errorCode === 0, 'coordinator loaded', 10_000);
      expect((await describeGroup(c, 'survivors')).groupState).toBe('Empty');
      expect(gb.group('survivors')!.generationId).toBe(2);
      expect((await fetchOffsets(c, 'survivors', null, 7)).topics[0].partitions.map((p: any) => p.committedOffset)).toEqual([10, 20]);
      // A new member continues the generations.
      const again = await joinWithId(c, 'survivors');
      expect(again.generationId).toBe(3);
    } finally {
      await gb.stop();
    }
  });
});
