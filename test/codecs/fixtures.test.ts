import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { type CompressionType, CorruptRecordError, codecFor } from '../../codecs/index.js';
import { decodeRecords, validateBatches } from '../../storage/record/index.js';
import { digestKeysAndValues, type FixtureEntry } from '../fixtures/compressed-manifest.js';

// Batches compressed by librdkafka, kafka-python and KafkaJS (see test/fixtures/compressed/README.md).
const dir = fileURLToPath(new URL('../fixtures/compressed/', import.meta.url));

const fixtures = JSON.parse(readFileSync(`${dir}manifest.json`, 'utf8')) as FixtureEntry[];

describe('batches compressed by real Kafka clients', () => {
  it('cover every codec from librdkafka and kafka-python, and gzip from KafkaJS', () => {
    const seen = new Set(fixtures.map((f) => `${f.client.split(' ')[0]}/${f.codec}`));
    for (const codec of ['gzip', 'snappy', 'lz4', 'zstd']) {
      expect(seen.has(`librdkafka/${codec}`)).toBe(true);
      expect(seen.has(`kafka-python/${codec}`)).toBe(true);
    }
    expect(seen.has('kafkajs/gzip')).toBe(true);
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s decodes to the messages the client was given', (_file, fixture) => {
    const bytes = readFileSync(`${dir}${fixture.file}`);
    const batches = validateBatches(bytes);
    const pairs: Array<{ key: string; value: string }> = [];
    const values: string[] = [];
    for (const batch of batches) {
      expect(batch.compression).toBe(codecFor(fixture.codec).type);
      for (const record of decodeRecords(batch)) {
        const key = record.key!.toString();
        const value = record.value!.toString();
        pairs.push({ key, value });
        values.push(value);
      }
    }
    expect(values.length).toBe(fixture.records);
    expect(values[0]).toBe(fixture.firstValue);
    expect(values[values.length - 1]).toBe(fixture.lastValue);
    expect(digestKeysAndValues(pairs)).toBe(fixture.keysAndValuesSha256);
  });

  it.each(fixtures.map((f) => [f.file, f] as const))('%s truncated is refused with CorruptRecordError', (_file, fixture) => {
    const bytes = readFileSync(`${dir}${fixture.file}`);
    const [first] = validateBatches(bytes);
    const section = first!.recordsBytes;
    const codec = codecFor(first!.compression as CompressionType);
    for (const keep of [0.1, 0.5, 0.9]) {
      const cut = section.subarray(0, Math.floor(section.length * keep));
      expect(() => codec.decompress(cut)).toThrow(CorruptRecordError);
    }
  });
});
