// poll() and what runs inside it: a waiting poll woken by new data or by
// wakeup(), `for await`, deserializers, interceptors.
import { describe, expect, it } from 'vitest';
import { type Consumer, type ConsumerRecords, RecordDeserializationError, WakeupError } from '../../../src/clients/consumer/index.js';
import { consumer, createTopic, pollUntil, tp, useConsumerTestBroker, waitForHeldFetch } from './harness.js';

const env = useConsumerTestBroker();

/** Polls until a poll throws, and returns what it threw; a poll returning records fails the test. */
async function pollForError(c: Consumer<unknown, unknown>, timeoutMs = 15_000): Promise<unknown> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    let count: number;
    try {
      count = (await c.poll(100)).count;
    } catch (e) {
      return e;
    }
    expect(count).toBe(0);
    if (Date.now() > deadline) throw new Error(`no poll failed in ${timeoutMs} ms`);
  }
}

describe('poll', () => {
  it('iterates with for await, and a poll waiting for data returns as soon as it arrives', async () => {
    await createTopic('assign-iter', 1);
    const c = consumer({ 'auto.offset.reset': 'latest' });
    c.assign([tp('assign-iter', 0)]);
    expect(await c.position(tp('assign-iter', 0))).toBe(0);
    // A poll that would wait ten minutes, already waiting (its fetch held by the broker) when the record comes.
    const pending = c.poll(600_000);
    await waitForHeldFetch('assign-iter', 0);
    await env.producer.send({ topic: 'assign-iter', messages: [{ value: 'first' }] });
    const first = await pending;
    expect(first.toArray().map((r) => r.value)).toEqual(['first']);

    await env.producer.send({ topic: 'assign-iter', messages: ['a', 'b', 'c'].map((value) => ({ value })) });
    const seen: string[] = [];
    for await (const record of c) {
      seen.push(`${record.offset}:${record.value}`);
      if (seen.length === 3) break;
    }
    expect(seen).toEqual(['1:a', '2:b', '3:c']);
  });

  it('wakeup() makes a waiting poll throw WakeupError', async () => {
    await createTopic('assign-wakeup', 1);
    const c = consumer();
    c.assign([tp('assign-wakeup', 0)]);
    const polling = c.poll(600_000);
    polling.catch(() => undefined); // awaited below
    await waitForHeldFetch('assign-wakeup', 0);
    c.wakeup();
    await expect(polling).rejects.toBeInstanceOf(WakeupError);
    // The wakeup is spent: the next poll runs normally.
    expect((await c.poll(10)).count).toBe(0);
  });

  it('deserializes with built-ins, functions and objects; a bad record stops its partition until sought past', async () => {
    await createTopic('assign-deser', 1);
    await env.producer.send({
      topic: 'assign-deser',
      messages: [
        { key: '{"id":1}', value: 'plain' },
        { key: 'not json', value: 'x' },
        { key: '{"id":3}', value: null },
      ],
    });
    const seenTopics: string[] = [];
    const c = consumer<unknown, { upper: string | null; len: number }>({
      'key.deserializer': 'json',
      'value.deserializer': {
        deserialize(topic: string, data: Buffer | null) {
          seenTopics.push(topic);
          return { upper: data === null ? null : data.toString().toUpperCase(), len: data?.length ?? -1 };
        },
      },
    });
    c.assign([tp('assign-deser', 0)]);
    const first = await pollUntil(c, 1);
    expect(first.map((r) => [r.key, r.value])).toEqual([[{ id: 1 }, { upper: 'PLAIN', len: 5 }]]);
    const error = await pollForError(c);
    expect(error).toBeInstanceOf(RecordDeserializationError);
    expect(error).toMatchObject({ topic: 'assign-deser', partition: 0, offset: 1 });
    // It keeps failing at the same offset…
    const again = await pollForError(c);
    expect(again).toBeInstanceOf(RecordDeserializationError);
    expect(again).toMatchObject({ partition: 0, offset: 1 });
    expect(await c.position(tp('assign-deser', 0))).toBe(1);
    // …until the application seeks past it.
    c.seek(tp('assign-deser', 0), 2);
    expect((await pollUntil(c, 1)).map((r) => [r.offset, r.key, r.value])).toEqual([[2, { id: 3 }, { upper: null, len: -1 }]]);
    expect(seenTopics.every((t) => t === 'assign-deser')).toBe(true);

    const raw = consumer<Buffer | null, Buffer | null>({ 'key.deserializer': 'bytes', 'value.deserializer': (data: Buffer | null) => data });
    raw.assign([tp('assign-deser', 0)]);
    const bytes = await pollUntil(raw, 3);
    expect(bytes.map((r) => r.key)).toEqual([Buffer.from('{"id":1}'), Buffer.from('not json'), Buffer.from('{"id":3}')]);
    expect(bytes[2]!.value).toBeNull();
  });

  it('runs interceptors: onConsume may replace the records, onCommit sees commits', async () => {
    await createTopic('assign-intercept', 1);
    await env.producer.send({ topic: 'assign-intercept', messages: ['a', 'bb', 'ccc', 'dddd'].map((value) => ({ value })) });
    const committed: string[] = [];
    const consumed: number[] = [];
    const c = consumer({
      'group.id': 'intercept-group',
      'enable.auto.commit': false,
      'interceptor.classes': [
        {
          onConsume(records: ConsumerRecords<string, string>) {
            consumed.push(records.count);
            return records;
          },
          onCommit(offsets: Array<{ topic: string; partition: number; offset: number }>) {
            committed.push(...offsets.map((o) => `${o.topic}-${o.partition}@${o.offset}`));
          },
        },
        {
          onConsume() {
            throw new Error('a broken interceptor is skipped');
          },
        },
      ],
    });
    c.assign([tp('assign-intercept', 0)]);
    const got = await pollUntil(c, 4);
    expect(got.map((r) => r.value)).toEqual(['a', 'bb', 'ccc', 'dddd']);
    expect(consumed.reduce((a, b) => a + b, 0)).toBe(4);
    await c.commitSync();
    expect(committed).toEqual(['assign-intercept-0@4']);
  });
});
