// Committing offsets as a group member: commitSync, commitAsync, committed(),
// auto-commit, and a commit refused for a generation the group left behind.
import { describe, expect, it } from 'vitest';
import { CommitFailedError } from '../../../src/clients/consumer/index.js';
import { consumer, createTopic, pollUntil, tp, useConsumerTestBroker, waitFor } from './harness.js';

const env = useConsumerTestBroker();

describe('commits', () => {
  it('commitSync and commitAsync store offsets with metadata; committed() and a new member resume from them', async () => {
    await createTopic('commit-basic', 2);
    await env.producer.send({ topic: 'commit-basic', messages: Array.from({ length: 10 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
    const c = consumer({ 'group.id': 'commit-group', 'enable.auto.commit': false });
    c.subscribe(['commit-basic']);
    await pollUntil(c, 10);
    expect(await c.committed([tp('commit-basic', 0), tp('commit-basic', 1)])).toEqual([
      { topic: 'commit-basic', partition: 0, offset: null, metadata: null },
      { topic: 'commit-basic', partition: 1, offset: null, metadata: null },
    ]);
    await c.commitSync([{ topic: 'commit-basic', partition: 0, offset: 3, metadata: 'halfway' }]);
    const callbacks: Array<[Error | null, number]> = [];
    const asyncResult = await c.commitAsync([{ topic: 'commit-basic', partition: 1, offset: 5 }], (e, offsets) => callbacks.push([e, offsets.length]));
    expect(asyncResult).toBeNull();
    expect(callbacks).toEqual([[null, 1]]);
    expect(await c.committed([tp('commit-basic', 0), tp('commit-basic', 1)])).toEqual([
      { topic: 'commit-basic', partition: 0, offset: 3, metadata: 'halfway' },
      { topic: 'commit-basic', partition: 1, offset: 5, metadata: '' },
    ]);
    expect(c.groupMetadata()).toMatchObject({ groupId: 'commit-group', generationId: 1, groupInstanceId: null });
    await c.close();

    const next = consumer({ 'group.id': 'commit-group', 'enable.auto.commit': false });
    next.subscribe(['commit-basic']);
    const resumed = await pollUntil(next, 2);
    expect(resumed.map((r) => `${r.partition}:${r.offset}:${r.value}`).sort()).toEqual(['0:3:v6', '0:4:v8']);
    expect(await next.position(tp('commit-basic', 1))).toBe(5);
  });

  it('auto-commits every auto.commit.interval.ms and on close', async () => {
    await createTopic('commit-auto', 1);
    await env.producer.send({ topic: 'commit-auto', messages: Array.from({ length: 5 }, (_, i) => ({ value: `v${i}` })) });
    const c = consumer({ 'group.id': 'auto-group', 'auto.commit.interval.ms': 300 });
    c.subscribe(['commit-auto']);
    await pollUntil(c, 5);
    const check = consumer({ 'group.id': 'auto-group', 'enable.auto.commit': false });
    await waitFor(
      async () => {
        await c.poll(50);
        return (await check.committed([tp('commit-auto', 0)]))[0]!.offset === 5;
      },
      'the auto-commit',
      10_000,
    );
    await env.producer.send({ topic: 'commit-auto', messages: [{ value: 'v5' }, { value: 'v6' }] });
    await pollUntil(c, 2);
    await c.close();
    expect((await check.committed([tp('commit-auto', 0)]))[0]!.offset).toBe(7);
  });

  it('a commit for a generation the group left behind fails with CommitFailedError', async () => {
    await createTopic('commit-stale', 1);
    const c = consumer({ 'group.id': 'stale-group', 'enable.auto.commit': false, 'max.poll.interval.ms': 1000 });
    c.subscribe(['commit-stale']);
    await waitFor(
      async () => {
        await c.poll(100);
        return c.assignment().length === 1;
      },
      'the assignment',
      10_000,
    );
    // No poll for longer than max.poll.interval.ms: the member leaves the group (and forgets its member id).
    await waitFor(() => c.groupMetadata().memberId === '', 'the member to leave the group', 20_000);
    await expect(c.commitSync([{ topic: 'commit-stale', partition: 0, offset: 1 }])).rejects.toBeInstanceOf(CommitFailedError);
  });
});
