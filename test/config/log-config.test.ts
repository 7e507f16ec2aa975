import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../storage/config/config-error.js';
import { LogConfig } from '../../storage/config/log-config.js';

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
