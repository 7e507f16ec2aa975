// close(): a member leaves the group so that another takes over at once, and
// a poll made while the close runs waits for it.
import { describe, expect, it } from 'vitest';
import { ClientClosedError } from '../../../src/clients/network/errors.js';
import { brokerGroup, consumer, createTopic, Member, partitionsOf, useConsumerTestBroker, waitFor, waitForCoverage } from './harness.js';

const env = useConsumerTestBroker();

describe('close', () => {
  it('close() leaves the group: another member takes over at once, long before the session timeout', async () => {
    await createTopic('leave-t', 2);
    const a = new Member('a', 'leave-group', ['leave-t'], { 'session.timeout.ms': 30_000 });
    const b2 = new Member('b', 'leave-group', ['leave-t'], { 'session.timeout.ms': 30_000 });
    await waitForCoverage([a, b2], partitionsOf('leave-t', 2), (s) => s.every((n) => n === 1));
    const leaving = b2.consumer.groupMetadata().memberId;
    await b2.close();
    // The coordinator let b go when close() returned (LeaveGroup), not after its 30 s session.
    expect(brokerGroup('leave-group')?.has(leaving) ?? false).toBe(false);
    await waitForCoverage([a], partitionsOf('leave-t', 2));
    await env.producer.send({
      topic: 'leave-t',
      messages: [
        { partition: 0, value: 'p0' },
        { partition: 1, value: 'p1' },
      ],
    });
    await waitFor(() => a.records.filter((r) => r.value === 'p0' || r.value === 'p1').length === 2, 'a to read both partitions', 10_000);
    await a.close();
  });

  it('a poll made while close() runs waits for the close, so a polling loop cannot starve it', async () => {
    await createTopic('close-poll-t', 1);
    const c = consumer({ 'group.id': 'close-poll-group' });
    c.subscribe(['close-poll-t']);
    await waitFor(
      async () => {
        await c.poll(100);
        return c.assignment().length === 1;
      },
      'the assignment',
      10_000,
    );
    const member = c.groupMetadata().memberId;
    // An application's loop that keeps polling, unaware of the close: before the fix each poll during
    // the close resolved at once, the loop ran on promises alone and the close's LeaveGroup never got
    // its response (the event loop never turned). The cap keeps that failure a failure, not a hang.
    let polls = 0;
    let stopped = false;
    const loop = (async () => {
      while (!stopped && polls < 20_000) {
        try {
          await c.poll(100);
        } catch {
          break; // closed: ClientClosedError
        }
        polls++;
      }
    })();
    await c.close();
    stopped = true;
    await loop;
    // Each poll during the close waited for it: a handful of polls, not thousands; the close got its LeaveGroup through.
    expect(polls).toBeLessThan(100);
    expect(brokerGroup('close-poll-group')?.has(member) ?? false).toBe(false);
    expect(() => c.poll(0)).toThrow(ClientClosedError);
  });
});
