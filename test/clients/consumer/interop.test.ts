// Records produced by other clients (kcat, KafkaJS, samsa's own producer),
// read byte-exact, and a group shared with a KafkaJS consumer.
import { CompressionTypes } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { Producer as SamsaProducer } from '../../../src/clients/producer/index.js';
import type { RecordMetadata } from '../../../src/clients/producer/producer-record.js';
import { consumer, createTopic, pollUntil, run, stored, tp, useConsumerTestBroker } from './harness.js';

const env = useConsumerTestBroker();

describe('records produced by other clients', () => {
  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('reads kcat (librdkafka) records compressed with %s byte-exact', async (codec) => {
    const topic = `kcat-${codec}`;
    await createTopic(topic, 2);
    const lines = Array.from({ length: 200 }, (_, i) => `key-${i}:value ${i} ünïcødé ${'z'.repeat(i % 50)}`);
    await run(
      '/usr/bin/kcat',
      ['-b', env.b.bootstrap, '-P', '-t', topic, '-p', '1', '-K:', '-z', codec, '-H', 'origin=kcat', '-H', `codec=${codec}`],
      `${lines.join('\n')}\n`,
    );
    const log = await stored(topic, 1);
    expect(log).toHaveLength(200);
    if (codec !== 'none') expect(log.some((r) => r.batch.compression !== 0)).toBe(true);
    const c = consumer<Buffer | null, Buffer | null>({ 'key.deserializer': 'bytes', 'value.deserializer': 'bytes' });
    c.assign([tp(topic, 1)]);
    const got = await pollUntil(c, 200);
    expect(got.map((r) => [r.offset, r.key, r.value, r.timestamp])).toEqual(log.map((r) => [r.offset, r.key, r.value, r.timestamp]));
    expect(got.map((r) => `${r.key}:${r.value}`)).toEqual(lines);
    expect(
      got.every(
        (r) =>
          r.headers.length === 2 && r.headers[0]!.key === 'origin' && r.headers[0]!.value!.toString() === 'kcat' && r.headers[1]!.value!.toString() === codec,
      ),
    ).toBe(true);
  });

  it.each([
    ['none', CompressionTypes.None],
    ['gzip', CompressionTypes.GZIP],
    ['snappy', CompressionTypes.Snappy],
    ['lz4', CompressionTypes.LZ4],
    ['zstd', CompressionTypes.ZSTD],
  ] as const)('reads KafkaJS records compressed with %s byte-exact', async (name, compression) => {
    const topic = `kjs-${name}`;
    await createTopic(topic, 1);
    const t0 = 1_700_000_000_000;
    const messages = Array.from({ length: 150 }, (_, i) => ({
      key: i % 7 === 0 ? null : Buffer.from([i, 0, 255 - i]),
      value: i % 11 === 0 ? null : Buffer.concat([Buffer.from(`v${i}`), Buffer.alloc(i, i)]),
      timestamp: String(t0 + i * 17),
      headers: { a: Buffer.from([i]), 'b-header': `text-${i}` },
    }));
    await env.producer.send({ topic, compression, messages });
    const c = consumer<Buffer | null, Buffer | null>({ 'key.deserializer': 'bytes', 'value.deserializer': 'bytes', 'max.poll.records': 64 });
    c.assign([tp(topic, 0)]);
    const got = await pollUntil(c, 150);
    expect(got.map((r) => [r.offset, r.key, r.value, r.timestamp, r.timestampType])).toEqual(
      messages.map((m, i) => [i, m.key, m.value, t0 + i * 17, 'CreateTime']),
    );
    expect(got.map((r) => r.headers.map((h) => [h.key, h.value]))).toEqual(
      messages.map((m) => [
        ['a', m.headers.a],
        ['b-header', Buffer.from(m.headers['b-header'])],
      ]),
    );
  });

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])(
    "reads samsa's own producer's %s records: keys, values, headers, timestamps, JSON both ways",
    async (codec) => {
      const topic = `samsa-${codec}`;
      await createTopic(topic, 3);
      const p = new SamsaProducer({
        'bootstrap.servers': env.b.bootstrap,
        'compression.type': codec,
        'key.serializer': 'string',
        'value.serializer': 'json',
        'linger.ms': 10,
      });
      const t0 = 1_650_000_000_000;
      let sent: RecordMetadata[];
      try {
        sent = await Promise.all(
          Array.from({ length: 120 }, (_, i) =>
            p.send({
              topic,
              key: `user-${i % 10}`,
              value: { n: i, tags: ['a', i % 2 ? 'odd' : 'even'] },
              timestamp: t0 + i,
              headers: { trace: `t${i}`, empty: null },
            }),
          ),
        );
      } finally {
        await p.close();
      }
      const c = consumer<string, { n: number; tags: string[] }>({ 'key.deserializer': 'string', 'value.deserializer': 'json' });
      c.assign([tp(topic, 0), tp(topic, 1), tp(topic, 2)]);
      const got = await pollUntil(c, 120);
      const byN = new Map(got.map((r) => [r.value.n, r]));
      expect(byN.size).toBe(120);
      for (let i = 0; i < 120; i++) {
        const r = byN.get(i)!;
        expect([r.partition, r.offset]).toEqual([sent[i]!.partition, sent[i]!.offset]);
        expect([r.key, r.value, r.timestamp]).toEqual([`user-${i % 10}`, { n: i, tags: ['a', i % 2 ? 'odd' : 'even'] }, t0 + i]);
        expect(r.headers.map((h) => [h.key, h.value?.toString() ?? null])).toEqual([
          ['trace', `t${i}`],
          ['empty', null],
        ]);
      }
      // Same key, same partition.
      for (const key of new Set(got.map((r) => r.key))) expect(new Set(got.filter((r) => r.key === key).map((r) => r.partition)).size).toBe(1);
    },
  );

  it('reads what KafkaJS consumers read, as a group sharing offsets with a KafkaJS consumer', async () => {
    await createTopic('kjs-shared', 1);
    await env.producer.send({ topic: 'kjs-shared', messages: Array.from({ length: 10 }, (_, i) => ({ value: `s${i}` })) });
    // KafkaJS commits after reading the first five…
    const kc = env.kafka.consumer({ groupId: 'shared-group' });
    const seen: string[] = [];
    try {
      await kc.connect();
      await kc.subscribe({ topic: 'kjs-shared', fromBeginning: true });
      await new Promise<void>((resolve) => {
        void kc.run({
          autoCommit: false,
          eachMessage: async ({ message }) => {
            if (seen.length >= 5) return;
            seen.push(message.value!.toString());
            if (seen.length === 5) {
              await kc.commitOffsets([{ topic: 'kjs-shared', partition: 0, offset: message.offset === '4' ? '5' : String(Number(message.offset) + 1) }]);
              resolve();
            }
          },
        });
      });
    } finally {
      await kc.disconnect();
    }
    expect(seen).toEqual(['s0', 's1', 's2', 's3', 's4']);
    // …and samsa's consumer in the same group goes on from there.
    const c = consumer({ 'group.id': 'shared-group' });
    c.subscribe(['kjs-shared']);
    expect((await pollUntil(c, 5)).map((r) => r.value)).toEqual(['s5', 's6', 's7', 's8', 's9']);
  });
});
