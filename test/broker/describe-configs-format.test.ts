import { describe, expect, it } from 'vitest';
import { BrokerConfig } from '../../src/broker/broker-config.js';
import { ConfigSourceId, describeBrokerConfigs, describeTopicConfigs, formatConfigValue, formatJavaDouble } from '../../src/broker/handlers/config-describe.js';
import { LONG_MAX } from '../../storage/config/config-def.js';
import { LOG_CONFIG_KEYS, LogConfig } from '../../storage/config/log-config.js';

const key = (name: string) => LOG_CONFIG_KEYS.find((k) => k.name === name)!;

describe('config values as Kafka writes them', () => {
  it("writes doubles as Java's Double.toString", () => {
    expect([0.5, 1, 0, 0.001, 0.0001, 1e-7, 12345.25, 1e7, 1.5e10, -2].map(formatJavaDouble)).toEqual([
      '0.5',
      '1.0',
      '0.0',
      '0.001',
      '1.0E-4',
      '1.0E-7',
      '12345.25',
      '1.0E7',
      '1.5E10',
      '-2.0',
    ]);
  });

  it('writes lists comma-joined, booleans and longs in decimal', () => {
    expect(formatConfigValue(key('cleanup.policy'), ['compact', 'delete'])).toBe('compact,delete');
    expect(formatConfigValue(key('preallocate'), true)).toBe('true');
    expect(formatConfigValue(key('retention.ms'), -1)).toBe('-1');
    expect(formatConfigValue(key('segment.bytes'), 1073741824)).toBe('1073741824');
  });

  it('restores longs the parser clamped to 2^53-1: Long.MAX_VALUE defaults, and the exact text given', () => {
    const flushMs = LogConfig.from({}).get('flush.ms');
    expect(flushMs).toBe(Number.MAX_SAFE_INTEGER);
    expect(formatConfigValue(key('flush.ms'), flushMs)).toBe(LONG_MAX);
    // retention.ms defaults to 7 days, so a huge value must come from the text that set it.
    expect(formatConfigValue(key('retention.ms'), Number.MAX_SAFE_INTEGER, ' 9223372036854775000 ')).toBe('9223372036854775000');
    expect(formatConfigValue(key('retention.ms'), Number.MAX_SAFE_INTEGER, String(Number.MAX_SAFE_INTEGER))).toBe('9007199254740991');
    expect(formatConfigValue(key('retention.ms'), Number.MAX_SAFE_INTEGER)).toBe('9007199254740991');
  });
});

describe('topic and broker config descriptions', () => {
  it('takes sources and synonyms from the topic override, the broker settings (incl. log.retention.minutes/hours) and the defaults', () => {
    const broker = new BrokerConfig({ 'log.retention.minutes': '30', 'log.segment.bytes': '2000000', 'log.flush.interval.ms': '9223372036854775807' });
    const overrides = { 'segment.bytes': '3000000', 'max.compaction.lag.ms': '9223372036854775807' };
    const described = describeTopicConfigs(overrides, LogConfig.from(overrides, broker.topicDefaults), broker, {
      includeSynonyms: true,
      includeDocumentation: true,
    });
    const by = new Map(described.map((c) => [c.name, c]));
    expect(by.get('segment.bytes')).toMatchObject({
      value: '3000000',
      configSource: ConfigSourceId.DYNAMIC_TOPIC_CONFIG,
      isDefault: false,
      synonyms: [
        { name: 'segment.bytes', value: '3000000', source: 1 },
        { name: 'log.segment.bytes', value: '2000000', source: 4 },
        { name: 'log.segment.bytes', value: '1073741824', source: 5 },
      ],
      configType: 3,
      documentation: key('segment.bytes').doc,
    });
    expect(by.get('retention.ms')).toMatchObject({
      value: '1800000',
      configSource: ConfigSourceId.STATIC_BROKER_CONFIG,
      synonyms: [
        { name: 'log.retention.minutes', value: '30', source: 4 },
        { name: 'log.retention.hours', value: '168', source: 5 },
      ],
    });
    expect(by.get('flush.ms')).toMatchObject({ value: LONG_MAX, configSource: 4 });
    expect(by.get('max.compaction.lag.ms')).toMatchObject({ value: LONG_MAX, configSource: 1 });
    expect(by.get('cleanup.policy')).toMatchObject({ value: 'delete', configSource: 5, isDefault: true, configType: 7 });
    const filtered = describeTopicConfigs({}, LogConfig.from({}), new BrokerConfig(), { keys: ['preallocate', 'nope'] });
    expect(filtered).toEqual([
      {
        name: 'preallocate',
        value: 'false',
        readOnly: false,
        isDefault: true,
        configSource: 5,
        isSensitive: false,
        synonyms: [],
        configType: 1,
        documentation: null,
      },
    ]);
    expect(describeTopicConfigs({}, LogConfig.from({}), new BrokerConfig(), { keys: [] })).toHaveLength(LOG_CONFIG_KEYS.length); // empty: all, as null
  });

  it('describes broker settings read-only, STATIC_BROKER_CONFIG only for what was set', () => {
    const broker = new BrokerConfig({ 'broker.id': 3, 'log.retention.hours': '1', 'log.cleaner.min.cleanable.ratio': '1' });
    const by = new Map(describeBrokerConfigs(broker, 3, { includeSynonyms: true }).map((c) => [c.name, c]));
    expect(by.get('broker.id')).toMatchObject({ value: '3', readOnly: true, configSource: 4 });
    expect(by.get('log.retention.hours')).toMatchObject({
      value: '1',
      configSource: 4,
      synonyms: [
        { name: 'log.retention.hours', value: '1', source: 4 },
        { name: 'log.retention.hours', value: '168', source: 5 },
      ],
    });
    // Derived from log.retention.hours, not set itself.
    expect(by.get('log.retention.ms')).toMatchObject({ value: '3600000', configSource: 5, isDefault: true });
    expect(by.get('log.cleaner.min.cleanable.ratio')).toMatchObject({ value: '1.0', configSource: 4, configType: 6 });
    expect(by.get('log.flush.scheduler.interval.ms')).toMatchObject({ value: LONG_MAX, configSource: 5, configType: 5 });
    expect(by.get('log.flush.interval.messages')).toMatchObject({ value: LONG_MAX, configSource: 5 });
  });
});
