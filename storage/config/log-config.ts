import { type ConfigKey, type ConfigValue, LONG_MAX, parseConfigValue } from './config-def.js';
import { ConfigError } from './config-error.js';
import { closestName } from './did-you-mean.js';
import { isKafkaVersion } from './kafka-versions.js';

const DAY_MS = 24 * 60 * 60 * 1000;

/** Where a value came from, as DescribeConfigs reports it. */
export type ConfigSource = 'default' | 'broker' | 'topic';

/**
 * Topic-level log settings with Kafka's names and defaults. A log reads them
 * through LogConfig; the broker's `log.*` settings supply the defaults and a
 * topic's own configs override them.
 */
export const LOG_CONFIG_KEYS: readonly ConfigKey[] = [
  { name: 'segment.bytes', type: 'int', defaultValue: String(1024 * 1024 * 1024), min: 14, doc: 'size at which a segment rolls' },
  { name: 'segment.ms', type: 'long', defaultValue: String(7 * DAY_MS), min: 1, doc: 'age at which a segment rolls' },
  { name: 'segment.jitter.ms', type: 'long', defaultValue: '0', min: 0, doc: 'random reduction of segment.ms, so segments do not all roll at once' },
  { name: 'segment.index.bytes', type: 'int', defaultValue: String(10 * 1024 * 1024), min: 4, doc: 'size preallocated for each offset and time index' },
  { name: 'index.interval.bytes', type: 'int', defaultValue: '4096', min: 0, doc: 'bytes of log between two offset index entries' },
  { name: 'flush.messages', type: 'long', defaultValue: LONG_MAX, min: 1, doc: 'messages between forced flushes' },
  { name: 'flush.ms', type: 'long', defaultValue: LONG_MAX, min: 0, doc: 'time between forced flushes' },
  { name: 'retention.ms', type: 'long', defaultValue: String(7 * DAY_MS), min: -1, doc: 'age after which segments are deleted; -1 keeps them' },
  { name: 'retention.bytes', type: 'long', defaultValue: '-1', doc: 'size beyond which old segments are deleted; -1 keeps them' },
  { name: 'cleanup.policy', type: 'list', defaultValue: 'delete', oneOf: ['delete', 'compact'], doc: 'delete old segments, compact by key, or both' },
  { name: 'delete.retention.ms', type: 'long', defaultValue: String(DAY_MS), min: 0, doc: 'how long compaction keeps tombstones' },
  { name: 'min.compaction.lag.ms', type: 'long', defaultValue: '0', min: 0, doc: 'minimum age of a record before it can be compacted' },
  { name: 'max.compaction.lag.ms', type: 'long', defaultValue: LONG_MAX, min: 1, doc: 'maximum age of a record before it must be compacted' },
  { name: 'min.cleanable.dirty.ratio', type: 'double', defaultValue: '0.5', min: 0, max: 1, doc: 'dirty share of a log that makes it worth cleaning' },
  { name: 'file.delete.delay.ms', type: 'long', defaultValue: '60000', min: 0, doc: 'delay before a .deleted file is removed' },
  { name: 'max.message.bytes', type: 'int', defaultValue: '1048588', min: 0, doc: 'largest record batch the log accepts' },
  {
    name: 'message.timestamp.type',
    type: 'string',
    defaultValue: 'CreateTime',
    oneOf: ['CreateTime', 'LogAppendTime'],
    doc: 'keep the producer timestamp or stamp the append time',
  },
  { name: 'message.timestamp.before.max.ms', type: 'long', defaultValue: LONG_MAX, min: 0, doc: 'how far in the past a CreateTime timestamp may be' },
  { name: 'message.timestamp.after.max.ms', type: 'long', defaultValue: LONG_MAX, min: 0, doc: 'how far in the future a CreateTime timestamp may be' },
  {
    name: 'message.timestamp.difference.max.ms',
    type: 'long',
    defaultValue: LONG_MAX,
    min: 0,
    deprecated:
      'is deprecated since Kafka 3.6: use message.timestamp.before.max.ms and message.timestamp.after.max.ms (it bounds both while they are left at their defaults)',
    doc: "[DEPRECATED] how far a CreateTime timestamp may be from the broker's clock, where message.timestamp.before/after.max.ms are not set",
  },
  {
    name: 'message.format.version',
    type: 'string',
    defaultValue: '3.0-IV1',
    check: (v) =>
      isKafkaVersion(String(v))
        ? undefined
        : `'${String(v)}' is not a Kafka version; use a release or IV name from 0.8.0 to 3.9, such as 0.10.2, 2.8 or 3.0-IV1`,
    deprecated: 'is deprecated since Kafka 3.0 and ignored: samsa stores record batch v2 (the 0.11+ message format) whatever it says',
    doc: '[DEPRECATED] the message format version of appended batches; ignored, as by Kafka 3.x brokers',
  },
  {
    name: 'message.downconversion.enable',
    type: 'boolean',
    defaultValue: 'true',
    deprecated: 'has no effect: samsa never converts batches to an older message format (a no-op in Kafka 4.0 too)',
    doc: 'whether fetches from old clients may down-convert messages; samsa never down-converts',
  },
  {
    name: 'compression.type',
    type: 'string',
    defaultValue: 'producer',
    oneOf: ['producer', 'uncompressed', 'gzip', 'snappy', 'lz4', 'zstd'],
    doc: 'keep the producer compression or recompress',
  },
  { name: 'preallocate', type: 'boolean', defaultValue: 'false', doc: 'preallocate segment files' },
  { name: 'min.insync.replicas', type: 'int', defaultValue: '1', min: 1, doc: 'replicas that must acknowledge an acks=all write' },
  { name: 'unclean.leader.election.enable', type: 'boolean', defaultValue: 'false', doc: 'allow an out-of-sync replica to become leader' },
  { name: 'storage.backend', type: 'string', defaultValue: 'file', oneOf: ['file', 'mmap', 'level'], doc: "samsa's own: where segment bytes live" },
];

const KEYS_BY_NAME = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k]));
/** Long.MAX_VALUE as the parser keeps it (clamped to 2^53-1): the "never" default of the timestamp bounds. */
const LONG_MAX_PARSED = parseConfigValue(KEYS_BY_NAME.get('message.timestamp.before.max.ms')!, LONG_MAX);

/** "unknown log config", with the nearest known name when the key looks like a typo of one. */
function unknownKeyMessage(name: string): string {
  const hint = closestName(name, KEYS_BY_NAME.keys());
  return hint ? `unknown log config (did you mean ${hint}?)` : 'unknown log config';
}

/** Why a topic config is deprecated (a sentence that follows "<name>=<value>"), or undefined when it is not. */
export function deprecationOf(name: string): string | undefined {
  return KEYS_BY_NAME.get(name)?.deprecated;
}

/** An immutable, validated set of log settings. */
export class LogConfig {
  readonly segmentBytes: number;
  readonly segmentMs: number;
  readonly segmentJitterMs: number;
  readonly segmentIndexBytes: number;
  readonly indexIntervalBytes: number;
  readonly flushMessages: number;
  readonly flushMs: number;
  readonly retentionMs: number;
  readonly retentionBytes: number;
  readonly compact: boolean;
  readonly delete: boolean;
  readonly deleteRetentionMs: number;
  readonly minCompactionLagMs: number;
  readonly maxCompactionLagMs: number;
  readonly minCleanableDirtyRatio: number;
  readonly fileDeleteDelayMs: number;
  readonly maxMessageBytes: number;
  readonly logAppendTime: boolean;
  readonly timestampBeforeMaxMs: number;
  readonly timestampAfterMaxMs: number;
  readonly compressionType: string;
  readonly preallocate: boolean;
  readonly minInSyncReplicas: number;
  readonly storageBackend: 'file' | 'mmap' | 'level';

  private constructor(
    private readonly values: ReadonlyMap<string, ConfigValue>,
    private readonly sources: ReadonlyMap<string, ConfigSource>,
  ) {
    const v = <T extends ConfigValue>(name: string) => values.get(name) as T;
    this.segmentBytes = v('segment.bytes');
    this.segmentMs = v('segment.ms');
    this.segmentJitterMs = v('segment.jitter.ms');
    this.segmentIndexBytes = v('segment.index.bytes');
    this.indexIntervalBytes = v('index.interval.bytes');
    this.flushMessages = v('flush.messages');
    this.flushMs = v('flush.ms');
    this.retentionMs = v('retention.ms');
    this.retentionBytes = v('retention.bytes');
    const policy = v<string[]>('cleanup.policy');
    this.compact = policy.includes('compact');
    this.delete = policy.includes('delete');
    this.deleteRetentionMs = v('delete.retention.ms');
    this.minCompactionLagMs = v('min.compaction.lag.ms');
    this.maxCompactionLagMs = v('max.compaction.lag.ms');
    this.minCleanableDirtyRatio = v('min.cleanable.dirty.ratio');
    this.fileDeleteDelayMs = v('file.delete.delay.ms');
    this.maxMessageBytes = v('max.message.bytes');
    this.logAppendTime = v('message.timestamp.type') === 'LogAppendTime';
    // Kafka 3.x: the deprecated difference bound stands in for either bound left at its default.
    const difference = v<number>('message.timestamp.difference.max.ms');
    const before = v<number>('message.timestamp.before.max.ms');
    const after = v<number>('message.timestamp.after.max.ms');
    this.timestampBeforeMaxMs = before === LONG_MAX_PARSED ? difference : before;
    this.timestampAfterMaxMs = after === LONG_MAX_PARSED ? difference : after;
    this.compressionType = v('compression.type');
    this.preallocate = v('preallocate');
    this.minInSyncReplicas = v('min.insync.replicas');
    this.storageBackend = v('storage.backend');
  }

  /**
   * Builds a config from Kafka's defaults, then `brokerDefaults` (the broker's
   * log.* settings, already renamed to topic names), then `overrides` (the
   * topic's own). Unknown keys and bad values raise ConfigError.
   */
  static from(overrides: Readonly<Record<string, unknown>> = {}, brokerDefaults: Readonly<Record<string, unknown>> = {}): LogConfig {
    const values = new Map<string, ConfigValue>();
    const sources = new Map<string, ConfigSource>();
    for (const key of LOG_CONFIG_KEYS) {
      values.set(key.name, parseConfigValue(key, key.defaultValue));
      sources.set(key.name, 'default');
    }
    for (const [layer, source] of [
      [brokerDefaults, 'broker'],
      [overrides, 'topic'],
    ] as const) {
      for (const [name, raw] of Object.entries(layer)) {
        const key = KEYS_BY_NAME.get(name);
        if (!key) throw new ConfigError(name, unknownKeyMessage(name));
        values.set(name, parseConfigValue(key, raw));
        sources.set(name, source);
      }
    }
    return new LogConfig(values, sources);
  }

  /** A copy with some settings changed (as AlterConfigs does). */
  with(overrides: Readonly<Record<string, unknown>>): LogConfig {
    const broker: Record<string, unknown> = {};
    const topic: Record<string, unknown> = {};
    for (const [name, source] of this.sources) {
      if (source === 'broker') broker[name] = this.values.get(name);
      if (source === 'topic') topic[name] = this.values.get(name);
    }
    return LogConfig.from({ ...topic, ...overrides }, broker);
  }

  get(name: string): ConfigValue {
    const value = this.values.get(name);
    if (value === undefined) throw new ConfigError(name, 'unknown log config');
    return value;
  }

  source(name: string): ConfigSource {
    return this.sources.get(name) ?? 'default';
  }
}
