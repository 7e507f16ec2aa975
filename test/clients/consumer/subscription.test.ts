// Subscriptions: a pattern picks up matching topics created later.
import { describe, expect, it } from 'vitest';
import { createTopic, Member, useConsumerTestBroker, waitFor, waitForCoverage } from './harness.js';

const env = useConsumerTestBroker();

describe('subscriptions', () => {
  it('subscribes to a pattern and picks up matching topics created later', async () => {
    await createTopic('rx-one', 1);
    await createTopic('other-topic', 1);
    const m = new Member('m', 'rx-group', /^rx-/, { 'metadata.max.age.ms': 300 });
    await waitForCoverage([m], ['rx-one-0']);
    expect(m.consumer.subscription()).toEqual(['rx-one']);
    await createTopic('rx-two', 2);
    await waitForCoverage([m], ['rx-one-0', 'rx-two-0', 'rx-two-1']);
    await env.producer.send({ topic: 'rx-two', messages: [{ partition: 1, value: 'found' }] });
    await waitFor(() => m.records.some((r) => r.topic === 'rx-two' && r.value === 'found'), 'a record of the new topic', 10_000);
    expect(m.consumer.subscription()).toEqual(['rx-one', 'rx-two']);
    await m.close();
  });
});
