import { describe, expect, it } from 'vitest';
import { offsetsPartitionFor } from '../../../src/broker/group/java-hash.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import {
  commitBody,
  commitCodes,
  createTopic,
  describeGroup,
  fetchOffsets,
  groupSuite,
  joinWithId,
  offsetsRecords,
  startGroupBroker,
  subscription,
  sync,
} from './group-harness.js';

// OffsetCommit, OffsetFetch and OffsetDelete over the wire, and the expiry of offsets.
describe('committed offsets (raw protocol)', () => {
  const gb = groupSuite({ 'group.initial.rebalance.delay.ms': 0 }, { t: 4, other: 2 });
  const connect = () => gb.connect();

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
      const res = await fetchOffsets(
        c,
        'simple',
        [
          { name: 'other', partitionIndexes: [0, 1, 7] },
          { name: 't', partitionIndexes: [2] },
        ],
        v,
      );
      const got = res.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.committedOffset, p.metadata])]);
      expect(got).toEqual([
        [
          'other',
          [
            [0, 109, 'committed by v9'],
            [1, 300, ''],
            [7, -1, ''],
          ],
        ],
        ['t', [[2, -1, '']]],
      ]);
      if (v >= 2) expect(res.errorCode).toBe(0);
    }
    // v2+: a null topic list means every committed offset of the group.
    const all = await fetchOffsets(c, 'simple', null, 7);
    expect(all.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.committedOffset])])).toEqual([
      [
        'other',
        [
          [0, 109],
          [1, 300],
        ],
      ],
    ]);
    // v8+: several groups in one request; an unknown group has no offsets.
    for (const v of [8, 9]) {
      const multi = await c.request('OffsetFetch', v, {
        groups: [
          { groupId: 'simple', memberId: null, memberEpoch: -1, topics: null },
          { groupId: 'nobody-here', memberId: null, memberEpoch: -1, topics: [{ name: 'other', partitionIndexes: [0] }] },
        ],
        requireStable: true,
      });
      expect(
        multi.groups.map((g: any) => [
          g.groupId,
          g.errorCode,
          g.topics.map((t: any) => [t.name, t.partitions.map((p: any) => [p.partitionIndex, p.committedOffset])]),
        ]),
      ).toEqual([
        [
          'simple',
          0,
          [
            [
              'other',
              [
                [0, 109],
                [1, 300],
              ],
            ],
          ],
        ],
        ['nobody-here', 0, [['other', [[0, -1]]]]],
      ]);
    }
  });

  it('refuses commits to unknown partitions, oversized metadata, unknown members, stale or foreign generations', async () => {
    const c = await connect();
    const body = {
      ...commitBody('refusals', 'other', { 0: 1 }),
      topics: [
        {
          name: 'other',
          partitions: [
            { partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: 3, commitTimestamp: -1, committedMetadata: 'ok' },
            { partitionIndex: 9, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' },
          ],
        },
        {
          name: 'no-such-topic',
          partitions: [{ partitionIndex: 0, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }],
        },
        {
          name: 'other',
          partitions: [{ partitionIndex: 1, committedOffset: 5, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: 'x'.repeat(4097) }],
        },
      ],
    };
    expect(await commitCodes(c, body)).toEqual([
      0,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.UNKNOWN_TOPIC_OR_PARTITION,
      ErrorCode.OFFSET_METADATA_TOO_LARGE,
    ]);
    const fetched = await fetchOffsets(c, 'refusals', [{ name: 'other', partitionIndexes: [0, 1] }], 7);
    expect(fetched.topics[0].partitions.map((p: any) => [p.committedOffset, p.committedLeaderEpoch])).toEqual([
      [5, 3],
      [-1, -1],
    ]);
    // A generation for a group that does not exist is refused (only generation -1 may create one).
    expect(await commitCodes(c, commitBody('no-group', 'other', { 0: 1 }, { generationId: 5, memberId: 'm' }))).toEqual([ErrorCode.ILLEGAL_GENERATION]);
    expect((await fetchOffsets(c, 'no-group', null, 7)).topics).toEqual([]);
    // A group with members: strangers, simple commits and members of the rebalance in progress are refused.
    const ja = await joinWithId(c, 'members-only');
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 1 }, { generationId: 1, memberId: ja.memberId }))).toEqual([
      ErrorCode.REBALANCE_IN_PROGRESS,
    ]);
    await sync(c, 'members-only', 1, ja.memberId);
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 1 }, { generationId: 1, memberId: 'stranger' }))).toEqual([
      ErrorCode.UNKNOWN_MEMBER_ID,
    ]);
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 1 }))).toEqual([ErrorCode.UNKNOWN_MEMBER_ID]);
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 1 }, { generationId: 2, memberId: ja.memberId }))).toEqual([
      ErrorCode.ILLEGAL_GENERATION,
    ]);
    expect(await commitCodes(c, commitBody('members-only', 'other', { 0: 42 }, { generationId: 1, memberId: ja.memberId }))).toEqual([0]);
    expect((await fetchOffsets(c, 'members-only', null, 7)).topics[0].partitions[0].committedOffset).toBe(42);
  });

  it('OffsetDelete keeps offsets of subscribed topics (GROUP_SUBSCRIBED_TO_TOPIC) and deletes the rest', async () => {
    const c = await connect();
    const j = await joinWithId(c, 'od', { protocols: [{ name: 'range', metadata: subscription(['t']) }] });
    await sync(c, 'od', 1, j.memberId);
    const both = { ...commitBody('od', 't', { 0: 7 }, { generationId: 1, memberId: j.memberId }) };
    both.topics.push({
      name: 'other',
      partitions: [{ partitionIndex: 1, committedOffset: 8, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }],
    });
    expect(await commitCodes(c, both)).toEqual([0, 0]);
    const res = await c.request('OffsetDelete', 0, {
      groupId: 'od',
      topics: [
        { name: 't', partitions: [{ partitionIndex: 0 }] },
        { name: 'other', partitions: [{ partitionIndex: 1 }] },
        { name: 'gone', partitions: [{ partitionIndex: 0 }] },
      ],
    });
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
    expect((await c.request('OffsetDelete', 0, { groupId: 'od-connect', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] })).errorCode).toBe(
      ErrorCode.NON_EMPTY_GROUP,
    );
    const leave = await c.request('LeaveGroup', 4, { groupId: 'od', members: [{ memberId: j.memberId, groupInstanceId: null }] });
    expect(leave.members[0].errorCode).toBe(0);
    const emptied = await c.request('OffsetDelete', 0, { groupId: 'od', topics: [{ name: 't', partitions: [{ partitionIndex: 0 }] }] });
    expect(emptied.topics[0].partitions[0].errorCode).toBe(0);
    expect((await fetchOffsets(c, 'od', null, 7)).topics).toEqual([]);
    // An empty group without offsets is gone.
    expect((await describeGroup(c, 'od')).groupState).toBe('Dead');
  });

  it('bad input: a member whose metadata cannot be read subscribes to everything; a commit too large for __consumer_offsets is refused whole', async () => {
    const c = await connect();
    const garbage = Buffer.from([0xff, 0x01, 0x02]);
    const j = await joinWithId(c, 'garbled', { protocols: [{ name: 'range', metadata: garbage }] });
    expect(j.errorCode).toBe(0);
    await sync(c, 'garbled', 1, j.memberId, [{ memberId: j.memberId, assignment: Buffer.from('small') }]);
    expect(await commitCodes(c, commitBody('garbled', 'other', { 0: 11 }, { generationId: 1, memberId: j.memberId }))).toEqual([0]);
    const od = await c.request('OffsetDelete', 0, { groupId: 'garbled', topics: [{ name: 'other', partitions: [{ partitionIndex: 0 }] }] });
    expect(od.topics[0].partitions[0].errorCode).toBe(ErrorCode.GROUP_SUBSCRIBED_TO_TOPIC);
    // A commit whose records exceed max.message.bytes is refused whole, and the committed offset stays.
    const big = commitBody('garbled', 'other', {}, { generationId: 1, memberId: j.memberId });
    big.topics[0]!.partitions = Array.from({ length: 300 }, () => ({
      partitionIndex: 0,
      committedOffset: 99,
      committedLeaderEpoch: -1,
      commitTimestamp: -1,
      committedMetadata: 'm'.repeat(4000),
    }));
    const codes = await commitCodes(c, big);
    expect(codes).toHaveLength(300);
    expect(new Set(codes)).toEqual(new Set([ErrorCode.INVALID_COMMIT_OFFSET_SIZE]));
    expect((await fetchOffsets(c, 'garbled', null, 7)).topics[0].partitions[0].committedOffset).toBe(11);
  });
});

describe('offset expiry', () => {
  it('expires offsets after offsets.retention.minutes: empty groups entirely, stable groups only for topics nobody subscribes to', async () => {
    const gb = await startGroupBroker({ 'group.initial.rebalance.delay.ms': 0, 'offsets.retention.minutes': 1 });
    try {
      await createTopic(gb.b, 'kept', 1);
      await createTopic(gb.b, 'dropped', 1);
      const c = await gb.connect();
      expect(await commitCodes(c, commitBody('lapsed', 'kept', { 0: 1 }))).toEqual([0]);
      const j = await joinWithId(c, 'active', { protocols: [{ name: 'range', metadata: subscription(['kept']) }] });
      await sync(c, 'active', 1, j.memberId);
      const body = commitBody('active', 'kept', { 0: 2 }, { generationId: 1, memberId: j.memberId });
      body.topics.push({
        name: 'dropped',
        partitions: [{ partitionIndex: 0, committedOffset: 3, committedLeaderEpoch: -1, commitTimestamp: -1, committedMetadata: '' }],
      });
      expect(await commitCodes(c, body)).toEqual([0, 0]);
      // Nothing is old enough yet.
      expect(await gb.coordinator.cleanupExpiredOffsets(Date.now() + 30_000)).toBe(0);
      expect(await gb.coordinator.cleanupExpiredOffsets(Date.now() + 61_000)).toBe(2);
      expect((await fetchOffsets(c, 'lapsed', null, 7)).topics).toEqual([]);
      expect((await describeGroup(c, 'lapsed')).groupState).toBe('Dead');
      const active = await fetchOffsets(c, 'active', null, 7);
      expect(active.topics.map((t: any) => t.name)).toEqual(['kept']);
      // Tombstones made it to the log.
      const records = await offsetsRecords(gb.b, offsetsPartitionFor('lapsed', 50));
      expect(records.filter((r) => r.value === null && r.key.includes(Buffer.from('lapsed'))).length).toBe(2);
    } finally {
      await gb.stop();
    }
  });
});
