import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { BACKENDS } from './backends.js';

// Debian's interpreter: its dist-packages hold python3-kafka and python3-confluent-kafka.
const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/clients.py', import.meta.url));

function py(client: string, action: string, bootstrap: string, topic: string, ...args: string[]): Promise<any> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, client, action, bootstrap, topic, ...args], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${client} ${action} failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

const CODEC_IDS: Record<string, number> = { none: 0, gzip: 1, snappy: 2, lz4: 3, zstd: 4 };

describe.each(BACKENDS)('Python clients against samsa on the %s backend', (backend) => {
  let b: TestBroker;

  beforeAll(async () => {
    b = await startBroker({ 'storage.backend': backend });
  });

  afterAll(async () => {
    await b.stop();
  });

  /** The codecs of the stored batches; librdkafka sends a batch uncompressed when compression would not shrink it. */
  async function storedCodecs(topic: string): Promise<number[]> {
    const { bytes } = await b.broker.context.replicas.getPartition(topic, 0)!.log.read(0, 1 << 22);
    const codecs = new Set(validateBatches(bytes).map((batch) => batch.compression));
    if (codecs.size > 1) codecs.delete(0);
    return [...codecs];
  }

  const expected = (n: number) => Array.from({ length: n }, (_, i) => ({ offset: i, key: `k${i}`, value: `value ${i}`, headers: [['n', String(i)]] }));

  describe.each(['kafka-python', 'confluent-kafka'])('%s', (client) => {
    it('creates a topic with the admin client', async () => {
      const created = await py(client, 'create', b.bootstrap, `${client}-admin`, '3');
      expect(created.partitions).toEqual([0, 1, 2]);
      if (client === 'confluent-kafka') expect(created.retention).toBe('3600000');
      expect(b.broker.context.topics.get(`${client}-admin`)?.configs).toEqual({ 'retention.ms': '3600000' });
    });

    it.each(['none', 'gzip', 'snappy', 'lz4', 'zstd'])('produces %s batches with acks=all and consumes them back', async (codec) => {
      const topic = `${client}-${codec}`;
      const produced = await py(client, 'produce', b.bootstrap, topic, codec, '100');
      expect(produced.offsets).toEqual(Array.from({ length: 100 }, (_, i) => i));
      expect(await storedCodecs(topic)).toEqual([CODEC_IDS[codec]]);
      const consumed = await py(client, 'consume', b.bootstrap, topic, '100');
      expect(consumed.records).toEqual(expected(100));
      expect(consumed).toMatchObject({ begin: 0, end: 100 });
    });
  });

  it('takes an idempotent confluent-kafka producer (InitProducerId, producer ids in the batches)', async () => {
    const produced = await py('confluent-kafka', 'produce', b.bootstrap, 'idempotent', 'lz4', '50', 'idempotent');
    expect(produced.errors).toEqual([]);
    expect(produced.offsets).toEqual(Array.from({ length: 50 }, (_, i) => i));
    const { bytes } = await b.broker.context.replicas.getPartition('idempotent', 0)!.log.read(0, 1 << 22);
    const batches = validateBatches(bytes);
    expect(batches.every((batch) => batch.producerId >= 0 && batch.producerEpoch === 0)).toBe(true);
    expect(batches[0]!.baseSequence).toBe(0);
  });
});
