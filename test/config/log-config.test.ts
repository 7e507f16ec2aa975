import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../storage/config/config-error.js';
import { isKafkaVersion } from '../../storage/config/kafka-versions.js';
import { deprecationOf, LogConfig } from '../../storage/config/log-config.js';

describe('LogConfig', () => {
  it("has Kafka's defaults", () => {
    const config = LogConfig.from();
    expect(config.segmentBytes).toBe(1073741824);
    expect(config.segmentMs).toBe(604800000);
    expect(config.segmentIndexBytes).toBe(10485760);
    expect(config.indexIntervalBytes).toBe(4096);
    expect(config.retentionMs).toBe(604800000);
    expect(config.retentionBytes).toBe(-1);
    expect(config.maxMessageBytes).toBe(1048588);
    expect(config.fileDeleteDelayMs).toBe(60000);
    expect(config.delete).toBe(true);
    expect(config.compact).toBe(false);
    expect(config.logAppendTime).toBe(false);
    expect(config.storageBackend).toBe('file');
    expect(config.source('segment.bytes')).toBe('default');
  });

  it("reads Long.MAX_VALUE as 'never'", () => {
    const config = LogConfig.from();
    expect(config.flushMessages).toBe(Number.MAX_SAFE_INTEGER);
    expect(config.flushMs).toBe(Number.MAX_SAFE_INTEGER);
  });

  it('layers topic overrides over broker defaults over Kafka defaults', () => {
    const config = LogConfig.from({ 'retention.ms': '1000' }, { 'retention.ms': 5000, 'segment.bytes': '2048' });
    expect(config.retentionMs).toBe(1000);
    expect(config.source('retention.ms')).toBe('topic');
    expect(config.segmentBytes).toBe(2048);
    expect(config.source('segment.bytes')).toBe('broker');
    const altered = config.with({ 'cleanup.policy': 'compact,delete' });
    expect(altered.compact && altered.delete).toBe(true);
    expect(altered.retentionMs).toBe(1000);
    expect(altered.source('segment.bytes')).toBe('broker');
  });

  it.each([
    ['segment.bytes', 'lots', /expected an integer/],
    ['segment.bytes', '13', /below the minimum 14/],
    ['segment.bytes', '3000000000', /does not fit in a int/],
    ['min.cleanable.dirty.ratio', '1.5', /above the maximum 1/],
    ['cleanup.policy', 'delete,shred', /'shred' is not one of delete, compact/],
    ['preallocate', 'yes', /expected true or false/],
    ['storage.backend', 'tape', /'tape' is not one of file, mmap, level/],
    ['no.such.config', '1', /unknown log config/],
  ])('rejects %s=%s with a ConfigError naming the key', (name, value, message) => {
    let error: unknown;
    try {
      LogConfig.from({ [name]: value });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).key).toBe(name);
    expect((error as ConfigError).errorCode).toBe(40);
    expect((error as Error).message).toMatch(message);
  });
});

describe('deprecated topic configs', () => {
  it('message.format.version takes the names Kafka 3.9 takes', () => {
    for (const v of ['0.8.0', '0.9.0.1', '0.10.0', '0.10.0.0', '0.10.0-IV1', '0.11.0.2', '1.0', '2.8.1', '2.8-IV1', '3.0-IV1', '3.7-IV4', '3.9', '4.0-IV1'])
      expect(isKafkaVersion(v), v).toBe(true);
    for (const v of ['', 'abc', '0.10', '0.10.x', '0.12.0', '2.9', '3.0-IV2', '3.10', '4.0', '3']) expect(isKafkaVersion(v), v).toBe(false);
    expect(() => LogConfig.from({ 'message.format.version': '2.9' })).toThrow(expect.objectContaining({ key: 'message.format.version', errorCode: 40 }));
    expect(LogConfig.from({ 'message.format.version': '0.10.2' }).get('message.format.version')).toBe('0.10.2');
  });

  it('message.timestamp.difference.max.ms bounds only the sides left at their defaults, as in Kafka 3.x', () => {
    const only = LogConfig.from({ 'message.timestamp.difference.max.ms': '1000' });
    expect([only.timestampBeforeMaxMs, only.timestampAfterMaxMs]).toEqual([1000, 1000]);
    const mixed = LogConfig.from({ 'message.timestamp.difference.max.ms': '1000', 'message.timestamp.after.max.ms': '50' });
    expect([mixed.timestampBeforeMaxMs, mixed.timestampAfterMaxMs]).toEqual([1000, 50]);
    const none = LogConfig.from();
    expect([none.timestampBeforeMaxMs, none.timestampAfterMaxMs]).toEqual([Number.MAX_SAFE_INTEGER, Number.MAX_SAFE_INTEGER]);
  });

  it('says why a deprecated config is deprecated, and nothing for the others', () => {
    expect(deprecationOf('message.format.version')).toMatch(/deprecated since Kafka 3.0/);
    expect(deprecationOf('message.downconversion.enable')).toMatch(/no effect/);
    expect(deprecationOf('message.timestamp.difference.max.ms')).toMatch(/message.timestamp.before.max.ms/);
    expect(deprecationOf('retention.ms')).toBeUndefined();
  });
});
