// The rebalance listener: the order of its callbacks (eager), a commit made
// from onPartitionsRevoked, and partitions reported lost when the member was
// dropped from the group.
import { describe, expect, it } from 'vitest';
import { consumer, createTopic, Member, names, partitionsOf, pollUntil, tp, useConsumerTestBroker, waitFor, waitForCoverage } from './harness.js';

const env = useConsumerTestBroker();

describe('the rebalance listener', () => {
  it('calls the rebalance listener in order (eager range): revoke all, then assign', async () => {
    await createTopic('listen-t', 4);
    const a = new Member('a', 'listen-group', ['listen-t']);
    await waitForCoverage([a], partitionsOf('listen-t', 4));
    const b2 = new Member('b', 'listen-group', ['listen-t']);
    const split = await waitForCoverage([a, b2], partitionsOf('listen-t', 4), (s) => s.every((n) => n === 2));
    expect(a.events).toEqual([
      { type: 'assigned', partitions: partitionsOf('listen-t', 4) },
      { type: 'revoked', partitions: partitionsOf('listen-t', 4) },
      { type: 'assigned', partitions: split.get('a') },
    ]);
    expect(b2.events).toEqual([{ type: 'assigned', partitions: split.get('b') }]);
    // Range by member id: the smaller id takes partitions 0 and 1.
    const ids = [a, b2].map((m) => m.consumer.groupMetadata().memberId);
    const first = ids[0]! < ids[1]! ? 'a' : 'b';
    expect(split.get(first)).toEqual(['listen-t-0', 'listen-t-1']);
    await b2.close();
    expect(b2.events.at(-1)).toEqual({ type: 'revoked', partitions: split.get('b') });
    await waitForCoverage([a], partitionsOf('listen-t', 4));
    await a.close();
  });

  it('lets the listener commit in onPartitionsRevoked, and a member taking over resumes from that commit', async () => {
    await createTopic('revoke-commit', 2);
    await env.producer.send({ topic: 'revoke-commit', messages: Array.from({ length: 8 }, (_, i) => ({ partition: i % 2, value: `r${i}` })) });
    const c = consumer({ 'group.id': 'revoke-commit-group', 'enable.auto.commit': false });
    const committedInCallback: string[] = [];
    c.subscribe(['revoke-commit'], {
      async onPartitionsRevoked(partitions) {
        await c.commitSync();
        committedInCallback.push(...names(partitions));
      },
    });
    expect((await pollUntil(c, 8)).length).toBe(8);
    const other = new Member('other', 'revoke-commit-group', ['revoke-commit']);
    // Keep polling: the rebalance runs inside poll(), and with it the callback.
    await waitFor(
      async () => {
        await c.poll(100);
        return c.assignment().length === 1 && other.assignment().length === 1;
      },
      'the split',
      20_000,
    );
    expect(committedInCallback).toEqual(['revoke-commit-0', 'revoke-commit-1']);
    const check = consumer({ 'group.id': 'revoke-commit-group', 'enable.auto.commit': false });
    expect((await check.committed([tp('revoke-commit', 0), tp('revoke-commit', 1)])).map((o) => o.offset)).toEqual([4, 4]);
    await env.producer.send({
      topic: 'revoke-commit',
      messages: [
        { partition: 0, value: 'after-0' },
        { partition: 1, value: 'after-1' },
      ],
    });
    await waitFor(() => other.records.length === 1, 'the new record at the other member', 10_000);
    // The other member started from the committed offset: it read only the new record of its partition.
    expect(other.records.map((r) => r.value)).toEqual([`after-${other.assignment()[0]!.slice(-1)}`]);
    await other.close();
  });

  it('reports partitions as lost when the member was dropped for not polling', async () => {
    await createTopic('lost-t', 2);
    const events: string[] = [];
    const c = consumer({ 'group.id': 'lost-group', 'max.poll.interval.ms': 1000 });
    c.subscribe(['lost-t'], {
      onPartitionsAssigned: (p) => void events.push(`assigned ${names(p).join(',')}`),
      onPartitionsRevoked: (p) => void events.push(`revoked ${names(p).join(',')}`),
      onPartitionsLost: (p) => void events.push(`lost ${names(p).join(',')}`),
    });
    await waitFor(
      async () => {
        await c.poll(100);
        return c.assignment().length === 2;
      },
      'the assignment',
      10_000,
    );
    const generation = c.groupMetadata().generationId;
    // No poll for longer than max.poll.interval.ms: the member leaves the group, keeping its partitions until the next poll.
    await waitFor(() => c.groupMetadata().memberId === '', 'the member to leave the group', 20_000);
    await waitFor(
      async () => {
        await c.poll(100);
        return c.assignment().length === 2 && c.groupMetadata().generationId > generation;
      },
      'the rejoin',
      10_000,
    );
    expect(events).toEqual(['assigned lost-t-0,lost-t-1', 'lost lost-t-0,lost-t-1', 'assigned lost-t-0,lost-t-1']);
  });
});
