import { describe, expect, it } from 'vitest';
import { offsetsPartitionFor } from '../../../src/broker/group/java-hash.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import type { RawClient } from '../raw-client.js';
import { commitBody, commitCodes, describeGroup, fetchOffsets, groupSuite, joinWithId, offsetsRecords, sync } from './group-harness.js';

// DescribeGroups, ListGroups and DeleteGroups over the wire.
describe('describing, listing and deleting groups (raw protocol)', () => {
  const gb = groupSuite({ 'group.initial.rebalance.delay.ms': 0 }, { other: 2 });
  const connect = () => gb.connect();

  /** An offset-only group (Empty, no protocol type) with two offsets, and a Stable consumer group with one member. */
  async function twoGroups(c: RawClient, simple: string, stable: string): Promise<void> {
    expect(await commitCodes(c, commitBody(simple, 'other', { 0: 1, 1: 2 }))).toEqual([0, 0]);
    const j = await joinWithId(c, stable);
    await sync(c, stable, 1, j.memberId);
    expect((await describeGroup(c, stable)).groupState).toBe('Stable');
  }

  it('lists groups with state and type filters and describes unknown groups as Dead', async () => {
    const c = await connect();
    await twoGroups(c, 'simple', 'members-only');
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
    expect(classic.groups.find((g: any) => g.groupId === 'members-only')).toEqual({
      groupId: 'members-only',
      protocolType: 'consumer',
      groupState: 'Stable',
      groupType: 'classic',
    });
    const unknown = await c.request('DescribeGroups', 5, { groups: ['never-seen', 'simple'], includeAuthorizedOperations: true });
    expect(unknown.groups.map((g: any) => [g.groupId, g.errorCode, g.groupState, g.members.length, g.authorizedOperations])).toEqual([
      ['never-seen', 0, 'Dead', 0, 328],
      ['simple', 0, 'Empty', 0, 328],
    ]);
  });

  it('deletes empty groups with their offsets (tombstones), refuses non-empty and unknown ones', async () => {
    const c = await connect();
    await twoGroups(c, 'to-delete', 'still-here');
    const res = await c.request('DeleteGroups', 2, { groupsNames: ['to-delete', 'still-here', 'never-seen'] });
    expect(res.results.map((r: any) => [r.groupId, r.errorCode])).toEqual([
      ['to-delete', 0],
      ['still-here', ErrorCode.NON_EMPTY_GROUP],
      ['never-seen', ErrorCode.GROUP_ID_NOT_FOUND],
    ]);
    expect((await fetchOffsets(c, 'to-delete', null, 7)).topics).toEqual([]);
    expect((await describeGroup(c, 'to-delete')).groupState).toBe('Dead');
    expect((await c.request('DeleteGroups', 0, { groupsNames: ['to-delete'] })).results[0].errorCode).toBe(ErrorCode.GROUP_ID_NOT_FOUND);
    // The log holds a tombstone for each offset and for the group.
    const records = await offsetsRecords(gb.b, offsetsPartitionFor('to-delete', 50));
    const last = new Map<string, Buffer | null>();
    for (const r of records) last.set(r.key.toString('hex'), r.value);
    const keysOfGroup = [...last.keys()].filter((k) => Buffer.from(k, 'hex').includes(Buffer.from('to-delete')));
    expect(keysOfGroup.length).toBe(3); // two offsets and the group
    expect(keysOfGroup.every((k) => last.get(k) === null)).toBe(true);
  });
});
