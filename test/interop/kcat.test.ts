import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { waitFor } from '../wait-for.js';
import { BACKENDS } from './backends.js';
import { KCAT, kcat } from './kcat.js';

describe.skipIf(!existsSync(KCAT)).each(BACKENDS)('kcat (librdkafka) against samsa on the %s backend', (backend) => {
  let b: TestBroker;

  beforeAll(async () => {
    b = await startBroker({ 'num.partitions': 3, 'storage.backend': backend });
  });

  afterAll(async () => {
    await b.stop();
  });

  it('lists the broker and auto-created topics in metadata', async () => {
    await kcat(['-b', b.bootstrap, '-P', '-t', 'meta-topic', '-p', '0'], 'x\n');
    const md = JSON.parse(await kcat(['-b', b.bootstrap, '-L', '-J']));
    expect(md.brokers).toEqual([{ id: 0, name: `127.0.0.1:${b.port}` }]);
    const topic = md.topics.find((t: any) => t.topic === 'meta-topic');
    expect(topic.partitions.map((p: any) => [p.partition, p.leader, p.replicas, p.isrs])).toEqual([
      [0, 0, [{ id: 0 }], [{ id: 0 }]],
      [1, 0, [{ id: 0 }], [{ id: 0 }]],
      [2, 0, [{ id: 0 }], [{ id: 0 }]],
    ]);
  });

  it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('produces %s-compressed keyed records with headers and consumes them back', async (codec) => {
    const topic = `kcat-${codec}`;
    const lines = Array.from({ length: 200 }, (_, i) => `key${i}:value ${i} ${'x'.repeat(i % 50)}`);
    await kcat(['-b', b.bootstrap, '-P', '-t', topic, '-p', '1', '-z', codec, '-K:', '-H', 'source=kcat', '-X', 'linger.ms=50'], `${lines.join('\n')}\n`);
    const out = await kcat(['-b', b.bootstrap, '-C', '-t', topic, '-p', '1', '-o', 'beginning', '-e', '-q', '-f', '%o|%k|%s|%h\n']);
    expect(out.trim().split('\n')).toEqual(
      lines.map((l, i) => {
        const [k, v] = [l.slice(0, l.indexOf(':')), l.slice(l.indexOf(':') + 1)];
        return `${i}|${k}|${v}|source=kcat`;
      }),
    );
    // The broker stored what librdkafka sent: compressed batches, not re-encoded.
    const partition = b.broker.context.replicas.getPartition(topic, 1)!;
    const { bytes } = await partition.log.read(0, 1 << 20);
    // librdkafka sends a batch uncompressed when compressing would not shrink it (a small last batch).
    const id = ['none', 'gzip', 'snappy', 'lz4', 'zstd'].indexOf(codec);
    const codecs = validateBatches(bytes).map((batch) => batch.compression);
    expect(codecs.filter((c) => c !== id && c !== 0)).toEqual([]);
    expect(codecs).toContain(id);
  });

  it('consumes from an offset, a count, and the end', async () => {
    const topic = 'kcat-offsets';
    await kcat(['-b', b.bootstrap, '-P', '-t', topic, '-p', '0'], `${Array.from({ length: 10 }, (_, i) => `m${i}`).join('\n')}\n`);
    const fromFive = await kcat(['-b', b.bootstrap, '-C', '-t', topic, '-p', '0', '-o', '5', '-c', '3', '-q', '-f', '%s\n']);
    expect(fromFive.trim().split('\n')).toEqual(['m5', 'm6', 'm7']);
    const lastTwo = await kcat(['-b', b.bootstrap, '-C', '-t', topic, '-p', '0', '-o', '-2', '-e', '-q', '-f', '%s\n']);
    expect(lastTwo.trim().split('\n')).toEqual(['m8', 'm9']);
  });

  it('looks up offsets by timestamp (-Q) and consumes from a timestamp (-o s@)', async () => {
    const topic = 'kcat-times';
    const t0 = Date.now() - 60_000;
    // Two produce runs at different times: each batch carries its producer's CreateTime.
    await kcat(['-b', b.bootstrap, '-P', '-t', topic, '-p', '0'], 'early\n');
    const between = Date.now() + 1;
    await waitFor(() => Date.now() > between, 'the clock to pass the first run'); // the second run's CreateTime is then at least `between`
    await kcat(['-b', b.bootstrap, '-P', '-t', topic, '-p', '0'], 'late\n');
    const out = await kcat(['-b', b.bootstrap, '-Q', '-t', `${topic}:0:${between}`]);
    expect(out).toMatch(/offset 1\b/);
    const old = await kcat(['-b', b.bootstrap, '-Q', '-t', `${topic}:0:${t0}`]);
    expect(old).toMatch(/offset 0\b/);
    const fromTime = await kcat(['-b', b.bootstrap, '-C', '-t', topic, '-p', '0', '-o', `s@${between}`, '-e', '-q', '-f', '%s\n']);
    expect(fromTime.trim().split('\n')).toEqual(['late']);
  });
});
