// Positions: auto.offset.reset, seek, seekToBeginning/End, and offsets looked
// up by time or at the ends of the log.
import { describe, expect, it } from 'vitest';
import { NoOffsetForPartitionError } from '../../../src/clients/consumer/index.js';
import { consumer, createTopic, pollUntil, tp, useConsumerTestBroker } from './harness.js';

const env = useConsumerTestBroker();

describe('positions and offsets', () => {
  it('applies auto.offset.reset: latest skips what is there, none refuses to guess', async () => {
    await createTopic('assign-reset', 1);
    await env.producer.send({ topic: 'assign-reset', messages: [{ value: 'old' }] });
    const latest = consumer({ 'auto.offset.reset': 'latest' });
    latest.assign([tp('assign-reset', 0)]);
    expect(await latest.position(tp('assign-reset', 0))).toBe(1);
    await env.producer.send({ topic: 'assign-reset', messages: [{ value: 'new' }] });
    expect((await pollUntil(latest, 1)).map((r) => r.value)).toEqual(['new']);

    const none = consumer({ 'auto.offset.reset': 'none', 'group.id': 'reset-none', 'enable.auto.commit': false });
    none.assign([tp('assign-reset', 0)]);
    await expect(none.poll(2000)).rejects.toBeInstanceOf(NoOffsetForPartitionError);
    none.seek(tp('assign-reset', 0), 0);
    expect((await pollUntil(none, 2)).map((r) => r.value)).toEqual(['old', 'new']);
  });

  it('seeks, seeks to the beginning and the end, and finds offsets by time', async () => {
    await createTopic('assign-seek', 1);
    const t0 = Date.now() - 100_000;
    await env.producer.send({ topic: 'assign-seek', messages: Array.from({ length: 10 }, (_, i) => ({ value: `v${i}`, timestamp: String(t0 + i * 1000) })) });
    const c = consumer();
    const p0 = tp('assign-seek', 0);
    c.assign([p0]);
    expect((await pollUntil(c, 10)).map((r) => r.offset)).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
    expect(await c.position(p0)).toBe(10);

    c.seek(p0, 4);
    expect(await c.position(p0)).toBe(4);
    expect((await pollUntil(c, 6)).map((r) => r.value)).toEqual(['v4', 'v5', 'v6', 'v7', 'v8', 'v9']);

    c.seekToBeginning([p0]);
    expect(await c.position(p0)).toBe(0);
    expect((await pollUntil(c, 10))[0]!.value).toBe('v0');

    c.seekToEnd();
    expect(await c.position(p0)).toBe(10);
    expect((await c.poll(200)).count).toBe(0);

    const found = await c.offsetsForTimes([{ topic: 'assign-seek', partition: 0, timestamp: t0 + 2500 }]);
    expect(found).toEqual([{ topic: 'assign-seek', partition: 0, offset: 3, timestamp: t0 + 3000, leaderEpoch: 0 }]);
    expect(await c.offsetsForTimes([{ topic: 'assign-seek', partition: 0, timestamp: t0 }])).toEqual([
      { topic: 'assign-seek', partition: 0, offset: 0, timestamp: t0, leaderEpoch: 0 },
    ]);
    await expect(
      c.offsetsForTimes([
        { ...p0, timestamp: 1 },
        { ...p0, timestamp: 2 },
      ]),
    ).rejects.toThrow(RangeError);
    await expect(
      c.offsetsForTimes([
        { ...p0, timestamp: 1 },
        { ...p0, timestamp: 2 },
      ]),
    ).rejects.toThrow(/more than once/);
    const none = await c.offsetsForTimes([{ topic: 'assign-seek', partition: 0, timestamp: Date.now() + 60_000 }]);
    expect(none).toEqual([{ topic: 'assign-seek', partition: 0, offset: null, timestamp: null }]);
    // Seeking to what offsetsForTimes found reads from there.
    c.seek(p0, found[0]!.offset!);
    expect((await pollUntil(c, 1))[0]!.value).toBe('v3');

    expect(await c.beginningOffsets([p0])).toEqual([{ topic: 'assign-seek', partition: 0, offset: 0 }]);
    expect(await c.endOffsets([p0])).toEqual([{ topic: 'assign-seek', partition: 0, offset: 10 }]);
    await env.admin.fetchTopicMetadata({ topics: ['assign-seek'] });
    await env.admin.deleteTopicRecords({ topic: 'assign-seek', partitions: [{ partition: 0, offset: '5' }] });
    expect(await c.beginningOffsets([p0])).toEqual([{ topic: 'assign-seek', partition: 0, offset: 5 }]);
    // A position below the log start is out of range: auto.offset.reset (earliest) moves it to 5.
    c.seek(p0, 1);
    expect((await pollUntil(c, 1))[0]!.offset).toBe(5);
  });
});
