// Group membership: a static member (group.instance.id) that restarts keeps
// its partitions without a rebalance.
import { describe, expect, it } from 'vitest';
import { brokerGroup, createTopic, Member, partitionsOf, useConsumerTestBroker, waitForCoverage } from './harness.js';

useConsumerTestBroker();

describe('group membership', () => {
  it('keeps the partitions of a static member (group.instance.id) that restarts, without a rebalance', async () => {
    await createTopic('static-t', 4);
    const config = (id: string) => ({ 'group.instance.id': id, 'partition.assignment.strategy': 'range' });
    const a = new Member('a', 'static-group', ['static-t'], config('instance-a'));
    const b2 = new Member('b', 'static-group', ['static-t'], config('instance-b'));
    const before = await waitForCoverage([a, b2], partitionsOf('static-t', 4), (s) => s.every((n) => n === 2));
    // Range orders static members by instance id: instance-a takes 0 and 1.
    expect(before.get('a')).toEqual(['static-t-0', 'static-t-1']);
    const generation = a.consumer.groupMetadata().generationId;
    await b2.close();
    // A static member sends no LeaveGroup: the coordinator still counts it, the group stays as it was and a keeps its two partitions.
    const group = brokerGroup('static-group')!;
    expect([group.state, group.size, group.generationId]).toEqual(['Stable', 2, generation]);
    expect(a.assignment()).toEqual(['static-t-0', 'static-t-1']);
    const back = new Member('b2', 'static-group', ['static-t'], config('instance-b'));
    await waitForCoverage([a, back], partitionsOf('static-t', 4), (s) => s.every((n) => n === 2));
    expect(back.assignment()).toEqual(['static-t-2', 'static-t-3']);
    expect(a.consumer.groupMetadata().generationId).toBe(generation);
    expect(a.events.filter((e) => e.type === 'revoked')).toEqual([]);
    await a.close();
    await back.close();
  });
});
