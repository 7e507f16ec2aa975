// Fetching: what a poll returns from the assigned partitions, the first batch
// whole past the size limits, fetch.min.bytes / fetch.max.wait.ms at the
// broker, and paused partitions left out of fetches.
import { describe, expect, it } from 'vitest';
import type { ConsumerRecord } from '../../../src/clients/consumer/index.js';
import { consumer, createTopic, names, pollUntil, tp, useConsumerTestBroker, waitForHeldFetch } from './harness.js';

const env = useConsumerTestBroker();

describe('fetching', () => {
  it('reads every record of the assigned partitions with its offset, key, value, headers and timestamp', async () => {
    await createTopic('assign-basic', 3);
    const t0 = Date.now() - 60_000;
    const messages = Array.from({ length: 30 }, (_, i) => ({
      partition: i % 3,
      key: i % 5 === 0 ? null : `key-${i}`,
      value: `value-${i}`,
      timestamp: String(t0 + i),
      headers: { h: `x${i}`, bin: Buffer.from([i, 255]) },
    }));
    await env.producer.send({ topic: 'assign-basic', messages });
    const c = consumer({ 'max.poll.records': 7 });
    c.assign([tp('assign-basic', 0), tp('assign-basic', 2)]);
    expect(names(c.assignment())).toEqual(['assign-basic-0', 'assign-basic-2']);

    const batches: number[] = [];
    const got: ConsumerRecord<string | null, string | null>[] = [];
    while (got.length < 20) {
      const records = await c.poll(1000);
      batches.push(records.count);
      got.push(...records);
    }
    expect(Math.max(...batches)).toBeLessThanOrEqual(7);
    const expected = messages.map((m, i) => ({ ...m, i })).filter((m) => m.partition !== 1);
    const byPartition = (p: number) => got.filter((r) => r.partition === p);
    for (const p of [0, 2]) {
      const want = expected.filter((m) => m.partition === p);
      expect(byPartition(p).map((r) => [r.topic, r.offset, r.key, r.value, r.timestamp, r.timestampType])).toEqual(
        want.map((m, idx) => ['assign-basic', idx, m.key, m.value, Number(m.timestamp), 'CreateTime']),
      );
      expect(byPartition(p).map((r) => r.headers.map((h) => [h.key, h.value]))).toEqual(
        want.map((m) => [
          ['h', Buffer.from(`x${m.i}`)],
          ['bin', Buffer.from([m.i, 255])],
        ]),
      );
      expect(byPartition(p).map((r) => [r.serializedKeySize, r.serializedValueSize])).toEqual(
        want.map((m) => [m.key === null ? -1 : m.key.length, m.value.length]),
      );
    }
    expect(await c.position(tp('assign-basic', 0))).toBe(10);
    expect(await c.position(tp('assign-basic', 2))).toBe(10);
    // Nothing more: the poll returns empty, and not before its timeout (poll's deadline is taken after ours).
    const deadline = Date.now() + 300;
    expect((await c.poll(300)).count).toBe(0);
    expect(Date.now()).toBeGreaterThanOrEqual(deadline);
  });

  it('pauses and resumes partitions', async () => {
    await createTopic('assign-pause', 2);
    await env.producer.send({ topic: 'assign-pause', messages: Array.from({ length: 6 }, (_, i) => ({ partition: i % 2, value: `v${i}` })) });
    const c = consumer();
    c.assign([tp('assign-pause', 0), tp('assign-pause', 1)]);
    c.pause([tp('assign-pause', 1)]);
    expect(names(c.paused())).toEqual(['assign-pause-1']);
    const first = await pollUntil(c, 3);
    // A record produced now comes in a later fetch; partition 1's records, there all along, would have come with it or before.
    await env.producer.send({ topic: 'assign-pause', messages: [{ partition: 0, value: 'v6' }] });
    const more = await pollUntil(c, 1);
    expect([...first, ...more].map((r) => `${r.partition}:${r.value}`)).toEqual(['0:v0', '0:v2', '0:v4', '0:v6']);
    c.resume([tp('assign-pause', 1)]);
    expect(c.paused()).toEqual([]);
    const rest = await pollUntil(c, 3);
    expect(rest.map((r) => `${r.partition}:${r.value}`)).toEqual(['1:v1', '1:v3', '1:v5']);
  });

  it('reads the first batch whole even when it exceeds the fetch size limits', async () => {
    await createTopic('assign-large', 1);
    const big = 'x'.repeat(200_000);
    await env.producer.send({ topic: 'assign-large', messages: [{ value: big }, { value: big }] });
    const c = consumer({ 'max.partition.fetch.bytes': 1024, 'fetch.max.bytes': 1024 });
    c.assign([tp('assign-large', 0)]);
    const got = await pollUntil(c, 2);
    expect(got.map((r) => r.value!.length)).toEqual([200_000, 200_000]);
  });

  it('lets the broker hold a fetch until fetch.min.bytes have come, or fetch.max.wait.ms has passed', async () => {
    await createTopic('fetch-min-bytes', 1);
    await env.producer.send({ topic: 'fetch-min-bytes', messages: [{ value: 'small' }] });
    // One small record never makes 100 KB: the broker holds the fetch though the record is there…
    const held = consumer({ 'fetch.min.bytes': 100_000, 'fetch.max.wait.ms': 600_000 });
    held.assign([tp('fetch-min-bytes', 0)]);
    const firstPoll = held.poll(600_000);
    await waitForHeldFetch('fetch-min-bytes', 0);
    // …and answers once enough has come: the small record comes with the large one, not before it.
    await env.producer.send({ topic: 'fetch-min-bytes', messages: [{ value: 'x'.repeat(200_000) }] });
    expect((await firstPoll).toArray().map((r) => r.value!.length)).toEqual([5, 200_000]);

    // Without more data, the broker answers when fetch.max.wait.ms ends.
    await createTopic('fetch-max-wait', 1);
    await env.producer.send({ topic: 'fetch-max-wait', messages: [{ value: 'small' }] });
    const waited = consumer({ 'fetch.min.bytes': 100_000, 'fetch.max.wait.ms': 1500 });
    waited.assign([tp('fetch-max-wait', 0)]);
    expect((await pollUntil(waited, 1)).map((r) => r.value)).toEqual(['small']);

    // With fetch.min.bytes=1 the record there is enough: the broker answers at once, long before its 10 minutes.
    const eager = consumer({ 'fetch.min.bytes': 1, 'fetch.max.wait.ms': 600_000 });
    eager.assign([tp('fetch-max-wait', 0)]);
    expect((await eager.poll(600_000)).toArray().map((r) => r.value)).toEqual(['small']);
  });
});
