import { readFileSync } from 'node:fs';
import type { LevelOptions } from '../../storage/backend/level-options.js';
import { type ConfigKey, type ConfigValue, LONG_MAX, parseConfigValue } from '../../storage/config/config-def.js';
import { ConfigError } from '../../storage/config/config-error.js';
import { deprecationOf, LOG_CONFIG_KEYS } from '../../storage/config/log-config.js';
import { AUTHORIZER_CONFIG_KEYS } from './authorizer/authorizer-config.js';
import { PASSWORD_ENCODER_CONFIG_KEYS } from './dynamic/password-encoder.js';
import { isSensitiveConfig, LISTENER_PREFIX, SECURITY_CONFIG_KEYS } from './security/security-config-keys.js';
import { parseSecurityProtocolMap, type SecurityProtocol } from './security/security-protocol.js';

const HOUR_MS = 60 * 60 * 1000;

/**
 * The broker's own settings (server.properties), with Kafka's names and defaults.
 * Settings that are topic defaults (log.segment.bytes, message.max.bytes…) are
 * listed in TOPIC_DEFAULT_SYNONYMS and passed to the log engine under their topic names.
 */
export const BROKER_CONFIG_KEYS: readonly ConfigKey[] = [
  {
    name: 'broker.id',
    type: 'int',
    defaultValue: '-1',
    min: -1,
    doc: "this broker's id in the cluster; -1 generates one (from 1001) and keeps it in meta.properties",
  },
  {
    name: 'reserved.broker.max.id',
    type: 'int',
    defaultValue: '1000',
    min: 0,
    doc: 'configured broker ids stay at or below this; generated ones start above it',
  },
  { name: 'listeners', type: 'list', defaultValue: 'PLAINTEXT://:9092', doc: 'addresses to listen on' },
  { name: 'advertised.listeners', type: 'list', defaultValue: '', doc: 'addresses given to clients; the listeners when empty' },
  {
    name: 'http.listeners',
    type: 'list',
    defaultValue: '',
    doc: "samsa's own: where /metrics (Prometheus), the read-only web console (/) and /health are served, like http://127.0.0.1:9644; off when empty",
  },
  { name: 'log.dir', type: 'string', defaultValue: '/tmp/kafka-logs', doc: 'the log directory when log.dirs is not set' },
  { name: 'log.dirs', type: 'list', defaultValue: '', doc: 'directories holding the partitions (log.dir when empty)' },
  {
    name: 'num.io.threads',
    type: 'int',
    defaultValue: '8',
    min: 1,
    doc: "accepted for compatibility: requests run on the event loop, disk I/O on libuv's pool",
  },
  { name: 'num.network.threads', type: 'int', defaultValue: '3', min: 1, doc: 'accepted for compatibility: one event loop serves every connection' },
  { name: 'num.partitions', type: 'int', defaultValue: '1', min: 1, doc: 'partitions of an auto-created topic' },
  { name: 'default.replication.factor', type: 'int', defaultValue: '1', min: 1, doc: 'replication factor of an auto-created topic' },
  { name: 'auto.create.topics.enable', type: 'boolean', defaultValue: 'true', doc: 'create a topic when a client asks for metadata of an unknown one' },
  { name: 'delete.topic.enable', type: 'boolean', defaultValue: 'true', doc: 'allow DeleteTopics' },
  { name: 'socket.request.max.bytes', type: 'int', defaultValue: '104857600', min: 1, doc: 'largest request frame accepted' },
  { name: 'connections.max.idle.ms', type: 'long', defaultValue: '600000', doc: 'idle connections are closed after this' },
  { name: 'queued.max.requests', type: 'int', defaultValue: '500', min: 1, doc: 'requests a connection may have in flight before reading from it pauses' },
  {
    name: 'queued.max.response.bytes',
    type: 'int',
    defaultValue: '536870912',
    min: 1,
    doc: "samsa's own: bytes of fetched data all connections together may hold in built responses not yet written to their sockets (fetches wait for room, then answer empty at max.wait.ms)",
  },
  { name: 'fetch.max.bytes', type: 'int', defaultValue: '57671680', min: 1024, doc: 'most bytes one fetch response carries' },
  // samsa's own: the level backend (storage.backend=level); the LevelDB options are named after LevelDB's.
  { name: 'level.chunk.bytes', type: 'int', defaultValue: '65536', min: 4096, doc: "samsa's own: bytes of segment data kept as one LevelDB value" },
  {
    name: 'level.chunk.cache.bytes',
    type: 'long',
    defaultValue: '67108864',
    min: 0,
    doc: "samsa's own: chunks of the level backend kept in memory after reads and writes",
  },
  { name: 'level.write.buffer.bytes', type: 'int', defaultValue: '16777216', min: 65536, doc: "LevelDB's writeBufferSize, per log directory" },
  { name: 'level.max.file.bytes', type: 'int', defaultValue: '16777216', min: 65536, doc: "LevelDB's maxFileSize: the size of its table files" },
  { name: 'level.block.bytes', type: 'int', defaultValue: '65536', min: 1024, doc: "LevelDB's blockSize" },
  { name: 'level.cache.bytes', type: 'long', defaultValue: '8388608', min: 0, doc: "LevelDB's cacheSize: its block cache, per log directory" },
  { name: 'level.compression', type: 'boolean', defaultValue: 'false', doc: "LevelDB's Snappy compression of blocks (batches come compressed by their codec)" },
  { name: 'max.incremental.fetch.session.cache.slots', type: 'int', defaultValue: '1000', min: 0, doc: 'incremental fetch sessions kept (KIP-227)' },
  { name: 'log.retention.check.interval.ms', type: 'long', defaultValue: '300000', min: 1, doc: 'how often retention runs' },
  { name: 'quota.window.num', type: 'int', defaultValue: '11', min: 1, doc: 'how many sample windows client quota rates are measured over' },
  { name: 'quota.window.size.seconds', type: 'int', defaultValue: '1', min: 1, doc: 'the length of each client quota sample window' },
  {
    name: 'controller.quota.window.num',
    type: 'int',
    defaultValue: '11',
    min: 1,
    doc: 'how many sample windows a controller_mutation_rate bucket holds (its burst)',
  },
  {
    name: 'controller.quota.window.size.seconds',
    type: 'int',
    defaultValue: '1',
    min: 1,
    doc: 'the length of each controller_mutation_rate sample window',
  },
  {
    name: 'producer.id.expiration.ms',
    type: 'int',
    defaultValue: '86400000',
    min: 1,
    doc: 'how long a partition remembers an idle idempotent producer (checked with retention)',
  },
  { name: 'log.flush.scheduler.interval.ms', type: 'long', defaultValue: LONG_MAX, doc: 'how often logs past flush.ms are flushed' },
  { name: 'log.flush.offset.checkpoint.interval.ms', type: 'int', defaultValue: '60000', min: 0, doc: 'how often recovery points are checkpointed' },
  { name: 'log.cleaner.enable', type: 'boolean', defaultValue: 'true', doc: 'run log compaction for topics with cleanup.policy=compact' },
  {
    name: 'log.cleaner.threads',
    type: 'int',
    defaultValue: '1',
    min: 0,
    doc: "cleaner threads: logs compacted at once, each with its record work in a worker thread of its own; 0 (samsa's own) compacts one at a time on the main thread",
  },
  { name: 'log.cleaner.backoff.ms', type: 'long', defaultValue: '15000', min: 0, doc: "the cleaner's pause when no log needs cleaning" },
  {
    name: 'log.cleaner.dedupe.buffer.size',
    type: 'long',
    defaultValue: '134217728',
    min: 1024,
    doc: "memory for the cleaner's offset maps, shared out among its threads",
  },
  {
    name: 'log.cleaner.io.buffer.load.factor',
    type: 'double',
    defaultValue: '0.9',
    check: (v) => ((v as number) > 0 && (v as number) <= 1 ? undefined : 'must be above 0 and at most 1'),
    doc: "how full the cleaner's offset map may get: higher cleans more of a log at once, with more hash collisions",
  },
  {
    name: 'log.cleaner.io.buffer.size',
    type: 'int',
    defaultValue: '524288',
    min: 1024,
    doc: "the cleaner's read and write chunks, shared out among its threads",
  },
  {
    name: 'log.cleaner.io.max.bytes.per.second',
    type: 'double',
    defaultValue: '1.7976931348623157E308',
    doc: 'the cleaner is throttled so that the bytes it reads and writes, all threads together, stay under this on average',
  },
  { name: 'log.retention.hours', type: 'int', defaultValue: '168', doc: 'retention in hours when log.retention.ms and .minutes are unset' },
  { name: 'log.retention.minutes', type: 'int', defaultValue: '-1', doc: 'retention in minutes when log.retention.ms is unset' },
  { name: 'log.roll.hours', type: 'int', defaultValue: '168', min: 1, doc: 'segment age in hours when log.roll.ms is unset' },
  { name: 'cluster.id', type: 'string', defaultValue: '', doc: "samsa's own: the cluster id to use when the log dirs hold none" },
  { name: 'zookeeper.connect', type: 'string', defaultValue: '', doc: 'ZooKeeper for a cluster; empty for a single broker' },
  { name: 'zookeeper.session.timeout.ms', type: 'int', defaultValue: '18000', min: 1, doc: 'the ZooKeeper session timeout' },
  {
    name: 'zookeeper.connection.timeout.ms',
    type: 'string',
    defaultValue: '',
    doc: 'how long to wait for a ZooKeeper connection (the session timeout when unset)',
  },
  { name: 'broker.rack', type: 'string', defaultValue: '', doc: 'the rack of this broker, for rack-aware replica placement' },
  {
    name: 'inter.broker.listener.name',
    type: 'string',
    defaultValue: '',
    doc: 'the listener brokers and the controller use to talk to each other (the one named after security.inter.broker.protocol when unset; on a single broker without it, the first)',
  },
  {
    name: 'controlled.shutdown.enable',
    type: 'boolean',
    defaultValue: 'true',
    doc: 'a broker stopping asks the controller to move its leaderships away first',
  },
  { name: 'controlled.shutdown.max.retries', type: 'int', defaultValue: '3', min: 0, doc: 'controlled shutdown attempts before the broker stops anyway' },
  { name: 'controlled.shutdown.retry.backoff.ms', type: 'long', defaultValue: '5000', min: 0, doc: 'pause between controlled shutdown attempts' },
  { name: 'auto.leader.rebalance.enable', type: 'boolean', defaultValue: 'true', doc: 'the controller moves leaderships back to preferred replicas' },
  { name: 'leader.imbalance.check.interval.seconds', type: 'long', defaultValue: '300', min: 1, doc: 'how often the controller checks leader imbalance' },
  {
    name: 'leader.imbalance.per.broker.percentage',
    type: 'int',
    defaultValue: '10',
    min: 0,
    doc: 'the imbalance per broker that triggers a preferred leader election',
  },
  {
    name: 'replica.lag.time.max.ms',
    type: 'long',
    defaultValue: '30000',
    min: 1,
    doc: 'a follower not caught up with the leader for this long leaves the ISR',
  },
  { name: 'num.replica.fetchers', type: 'int', defaultValue: '1', min: 1, doc: 'fetchers per leader broker that replicate its partitions' },
  { name: 'replica.fetch.max.bytes', type: 'int', defaultValue: '1048576', min: 0, doc: 'bytes a follower fetches per partition per request' },
  { name: 'replica.fetch.response.max.bytes', type: 'int', defaultValue: '10485760', min: 0, doc: 'bytes a follower fetch response carries at most' },
  { name: 'replica.fetch.wait.max.ms', type: 'int', defaultValue: '500', min: 0, doc: 'how long a follower fetch waits at the leader for data' },
  { name: 'replica.fetch.min.bytes', type: 'int', defaultValue: '1', min: 0, doc: 'bytes a follower fetch waits for' },
  { name: 'replica.fetch.backoff.ms', type: 'int', defaultValue: '1000', min: 0, doc: 'pause of a replica fetcher after an error' },
  { name: 'replica.socket.timeout.ms', type: 'int', defaultValue: '30000', min: 1, doc: 'request timeout of replica fetchers' },
  {
    name: 'replica.high.watermark.checkpoint.interval.ms',
    type: 'long',
    defaultValue: '5000',
    min: 1,
    doc: 'how often high watermarks are written to replication-offset-checkpoint',
  },
  { name: 'group.min.session.timeout.ms', type: 'int', defaultValue: '6000', doc: 'shortest session timeout a group member may ask for' },
  { name: 'group.max.session.timeout.ms', type: 'int', defaultValue: '1800000', doc: 'longest session timeout a group member may ask for' },
  {
    name: 'group.initial.rebalance.delay.ms',
    type: 'int',
    defaultValue: '3000',
    min: 0,
    doc: 'how long the first rebalance of an empty group waits for more members to join',
  },
  { name: 'group.max.size', type: 'int', defaultValue: '2147483647', min: 1, doc: 'most members a group may have' },
  { name: 'offsets.topic.num.partitions', type: 'int', defaultValue: '50', min: 1, doc: 'partitions of __consumer_offsets (fixed once it exists)' },
  {
    name: 'offsets.topic.replication.factor',
    type: 'int',
    defaultValue: '3',
    min: 1,
    doc: 'replication factor of __consumer_offsets, at most the live brokers',
  },
  { name: 'offsets.topic.segment.bytes', type: 'int', defaultValue: '104857600', min: 1, doc: 'segment size of __consumer_offsets' },
  {
    name: 'offsets.topic.compression.codec',
    type: 'int',
    defaultValue: '0',
    min: 0,
    max: 4,
    doc: 'compression of the records the coordinator writes (0 none, 1 gzip, 2 snappy, 3 lz4, 4 zstd)',
  },
  { name: 'offsets.load.buffer.size', type: 'int', defaultValue: '5242880', min: 1, doc: 'bytes read at a time when loading __consumer_offsets' },
  { name: 'offsets.retention.minutes', type: 'int', defaultValue: '10080', min: 1, doc: 'how long the offsets of an empty group are kept' },
  { name: 'offsets.retention.check.interval.ms', type: 'long', defaultValue: '600000', min: 1, doc: 'how often expired offsets are removed' },
  { name: 'offset.metadata.max.bytes', type: 'int', defaultValue: '4096', doc: 'largest metadata string a committed offset may carry' },
  { name: 'offsets.commit.timeout.ms', type: 'int', defaultValue: '5000', min: 1, doc: 'accepted for compatibility: commits wait for the local log append' },
  {
    name: 'request.timeout.ms',
    type: 'int',
    defaultValue: '30000',
    min: 0,
    doc: 'how long the transaction coordinator waits for its writes to reach the in-sync replicas, and for a WriteTxnMarkers answer',
  },
  { name: 'transaction.state.log.num.partitions', type: 'int', defaultValue: '50', min: 1, doc: 'partitions of __transaction_state (fixed once it exists)' },
  {
    name: 'transaction.state.log.replication.factor',
    type: 'int',
    defaultValue: '3',
    min: 1,
    doc: 'replication factor of __transaction_state, at most the live brokers',
  },
  {
    name: 'transaction.state.log.min.isr',
    type: 'int',
    defaultValue: '2',
    min: 1,
    doc: 'min.insync.replicas of __transaction_state (at most its replication factor)',
  },
  { name: 'transaction.state.log.segment.bytes', type: 'int', defaultValue: '104857600', min: 1, doc: 'segment size of __transaction_state' },
  {
    name: 'transaction.state.log.load.buffer.size',
    type: 'int',
    defaultValue: '5242880',
    min: 1,
    doc: 'bytes read at a time when loading __transaction_state',
  },
  { name: 'transaction.max.timeout.ms', type: 'int', defaultValue: '900000', min: 1, doc: 'the longest transaction.timeout.ms a producer may ask for' },
  {
    name: 'transactional.id.expiration.ms',
    type: 'int',
    defaultValue: '604800000',
    min: 1,
    doc: 'a transactional id without a transaction for this long is forgotten',
  },
  {
    name: 'transaction.abort.timed.out.transaction.cleanup.interval.ms',
    type: 'int',
    defaultValue: '10000',
    min: 1,
    doc: 'how often transactions past their timeout are aborted',
  },
  {
    name: 'transaction.remove.expired.transaction.cleanup.interval.ms',
    type: 'int',
    defaultValue: '3600000',
    min: 1,
    doc: 'how often expired transactional ids are removed',
  },
  {
    name: 'transaction.partition.verification.enable',
    type: 'boolean',
    defaultValue: 'true',
    doc: "a partition leader asks the transaction coordinator before taking a transaction's first batch (KIP-890)",
  },
  ...SECURITY_CONFIG_KEYS,
  ...AUTHORIZER_CONFIG_KEYS,
  ...PASSWORD_ENCODER_CONFIG_KEYS,
];

/** Broker setting → the topic config it is the default of (Kafka's synonyms). */
export const TOPIC_DEFAULT_SYNONYMS: Readonly<Record<string, string>> = {
  'log.segment.bytes': 'segment.bytes',
  'log.roll.ms': 'segment.ms',
  'log.roll.jitter.ms': 'segment.jitter.ms',
  'log.index.size.max.bytes': 'segment.index.bytes',
  'log.index.interval.bytes': 'index.interval.bytes',
  'log.flush.interval.messages': 'flush.messages',
  'log.flush.interval.ms': 'flush.ms',
  'log.retention.ms': 'retention.ms',
  'log.retention.bytes': 'retention.bytes',
  'log.cleanup.policy': 'cleanup.policy',
  'log.cleaner.delete.retention.ms': 'delete.retention.ms',
  'log.cleaner.min.compaction.lag.ms': 'min.compaction.lag.ms',
  'log.cleaner.max.compaction.lag.ms': 'max.compaction.lag.ms',
  'log.cleaner.min.cleanable.ratio': 'min.cleanable.dirty.ratio',
  'log.segment.delete.delay.ms': 'file.delete.delay.ms',
  'message.max.bytes': 'max.message.bytes',
  'log.message.timestamp.type': 'message.timestamp.type',
  'log.message.timestamp.before.max.ms': 'message.timestamp.before.max.ms',
  'log.message.timestamp.after.max.ms': 'message.timestamp.after.max.ms',
  'log.message.timestamp.difference.max.ms': 'message.timestamp.difference.max.ms',
  'log.message.format.version': 'message.format.version',
  'log.message.downconversion.enable': 'message.downconversion.enable',
  'compression.type': 'compression.type',
  'log.preallocate': 'preallocate',
  'min.insync.replicas': 'min.insync.replicas',
  'unclean.leader.election.enable': 'unclean.leader.election.enable',
  'storage.backend': 'storage.backend',
};

const BROKER_KEYS = new Map(BROKER_CONFIG_KEYS.map((k) => [k.name, k]));
const TOPIC_KEYS = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k]));
/** Topic config → the broker setting that supplies its default. */
export const BROKER_SYNONYM_OF: ReadonlyMap<string, string> = new Map(Object.entries(TOPIC_DEFAULT_SYNONYMS).map(([b, t]) => [t, b]));

export interface Listener {
  /** Upper case, as Kafka's ListenerName normalises it. */
  name: string;
  host: string;
  port: number;
  securityProtocol: SecurityProtocol;
}

/** A listener-level setting as it applies: the value, and the key it came from (for messages). */
export interface ListenerValue {
  value: ConfigValue;
  key: string;
}

/**
 * Validated broker settings. Unknown keys are kept and reported (Kafka warns
 * about them rather than refusing to start); bad values raise ConfigError.
 */
export class BrokerConfig {
  readonly unknownKeys: string[] = [];
  private readonly values = new Map<string, ConfigValue>();
  /** Topic-level defaults set on this broker, under topic names. */
  readonly topicDefaults: Record<string, ConfigValue> = {};
  /** What was set explicitly (DescribeConfigs reports these as STATIC_BROKER_CONFIG). */
  readonly explicit = new Map<string, string>();
  readonly listeners: readonly Listener[];
  /** Given to clients: advertised.listeners, or the listeners when that is empty. */
  readonly advertisedListeners: readonly Listener[];
  /** The listener brokers talk to each other on: inter.broker.listener.name, or the one named after security.inter.broker.protocol. */
  readonly interBrokerListenerName: string;
  /** `listener.name.<listener>.<key>` settings, by their full name, parsed as their key. */
  private readonly listenerOverrides = new Map<string, ConfigValue>();

  constructor(settings: Readonly<Record<string, unknown>> = {}) {
    for (const key of BROKER_CONFIG_KEYS) this.values.set(key.name, parseConfigValue(key, key.defaultValue));
    for (const [name, raw] of Object.entries(settings)) {
      if (raw === undefined) continue;
      const brokerKey = BROKER_KEYS.get(name);
      const topicName = TOPIC_DEFAULT_SYNONYMS[name];
      if (brokerKey) this.values.set(name, parseConfigValue(brokerKey, raw));
      else if (name.startsWith(LISTENER_PREFIX) && listenerOverrideKey(name)) {
        const key = listenerOverrideKey(name)!;
        this.listenerOverrides.set(name, parseConfigValue({ ...key, name }, raw));
      }
      // Parsed under the name it was given, so an error names log.segment.bytes rather than segment.bytes.
      else if (topicName) this.topicDefaults[topicName] = parseConfigValue({ ...TOPIC_KEYS.get(topicName)!, name }, raw);
      else {
        this.unknownKeys.push(name);
        continue;
      }
      this.explicit.set(name, String(raw));
    }
    // Kafka's fallbacks: log.retention.ms ← .minutes ← .hours, log.roll.ms ← log.roll.hours.
    if (this.topicDefaults['retention.ms'] === undefined) {
      const minutes = this.int('log.retention.minutes');
      const hours = this.int('log.retention.hours');
      if (settings['log.retention.minutes'] !== undefined) this.topicDefaults['retention.ms'] = minutes < 0 ? -1 : minutes * 60_000;
      else if (settings['log.retention.hours'] !== undefined) this.topicDefaults['retention.ms'] = hours < 0 ? -1 : hours * HOUR_MS;
    }
    if (this.topicDefaults['segment.ms'] === undefined && settings['log.roll.hours'] !== undefined) {
      this.topicDefaults['segment.ms'] = this.int('log.roll.hours') * HOUR_MS;
    }
    if (this.list('listeners').length === 0) {
      throw new ConfigError(
        'listeners',
        `'${String(settings.listeners ?? '').trim()}' names no listener; at least one is needed, like PLAINTEXT://:9092 or PLAINTEXT://127.0.0.1:9092`,
      );
    }
    const protocols = parseSecurityProtocolMap(this.list('listener.security.protocol.map'));
    this.listeners = parseListeners(this.list('listeners'), 'listeners', protocols);
    const advertised = this.list('advertised.listeners');
    this.advertisedListeners = advertised.length > 0 ? parseListeners(advertised, 'advertised.listeners', protocols) : this.listeners;
    for (const a of this.advertisedListeners) {
      if (!this.listeners.some((l) => l.name === a.name))
        throw new ConfigError(
          'advertised.listeners',
          `listener ${a.name} is advertised but not in listeners (${this.listeners.map((l) => l.name).join(', ')})`,
        );
    }
    this.interBrokerListenerName = this.resolveInterBrokerListener();
    if (this.logDirs.length === 0)
      throw new ConfigError(
        'log.dirs',
        `'${String(settings['log.dirs'] ?? '').trim()}' names no directory, and log.dir is empty too; at least one is needed, like /var/lib/samsa`,
      );
    if (this.brokerId > this.int('reserved.broker.max.id')) {
      throw new ConfigError(
        'broker.id',
        `${this.brokerId} is above reserved.broker.max.id (${this.int('reserved.broker.max.id')}); use -1 to have one generated`,
      );
    }
  }

  /**
   * Kafka's inter-broker listener: inter.broker.listener.name, or the listener
   * named after security.inter.broker.protocol; never both. A single broker
   * has no other broker to talk to, so without either it takes its first listener.
   */
  private resolveInterBrokerListener(): string {
    const byName = this.explicit.has('inter.broker.listener.name');
    const byProtocol = this.explicit.has('security.inter.broker.protocol');
    if (byName && byProtocol)
      throw new ConfigError('inter.broker.listener.name', 'Only one of inter.broker.listener.name and security.inter.broker.protocol should be set.');
    const name = (byName ? this.string('inter.broker.listener.name') : this.string('security.inter.broker.protocol')).toUpperCase();
    if (this.advertisedListeners.some((l) => l.name === name)) return name;
    if (!byName && !byProtocol && !this.string('zookeeper.connect')) return this.advertisedListeners[0]!.name;
    const key = byName ? 'inter.broker.listener.name' : 'security.inter.broker.protocol';
    throw new ConfigError(
      key,
      `${name} must be a listener name defined in advertised.listeners. The valid options based on currently configured listeners are ${this.advertisedListeners.map((l) => l.name).join(',')}`,
    );
  }

  /**
   * A setting as one listener sees it: `listener.name.<listener>.<key>` when
   * set, else the broker-wide `<key>`. `key` may start with a SASL mechanism
   * (`plain.sasl.jaas.config`), which only the listener prefix gives.
   */
  listenerValue(listenerName: string, key: string): ListenerValue | undefined {
    const prefixed = `${LISTENER_PREFIX}${listenerName.toLowerCase()}.${key}`;
    const override = this.listenerOverrides.get(prefixed);
    if (override !== undefined) return { value: override, key: prefixed };
    const own = this.values.get(key);
    return own === undefined ? undefined : { value: own, key };
  }

  /** The name a listener-level setting takes for `listenerName` (for messages asking to set it). */
  listenerKey(listenerName: string, key: string): string {
    return `${LISTENER_PREFIX}${listenerName.toLowerCase()}.${key}`;
  }

  /** Reads a Java properties file (key=value or key: value, # and ! comments, \ continuations). */
  static fromFile(path: string, overrides: Readonly<Record<string, unknown>> = {}): BrokerConfig {
    let text: string;
    try {
      text = readFileSync(path, 'utf8');
    } catch (e) {
      throw new ConfigError(path, `cannot read the properties file: ${(e as Error).message}`);
    }
    return new BrokerConfig({ ...parseProperties(text), ...overrides });
  }

  int(name: string): number {
    return this.get(name) as number;
  }

  double(name: string): number {
    return this.get(name) as number;
  }

  bool(name: string): boolean {
    return this.get(name) as boolean;
  }

  string(name: string): string {
    return this.get(name) as string;
  }

  list(name: string): string[] {
    return this.get(name) as string[];
  }

  get(name: string): ConfigValue {
    const v = this.values.get(name);
    if (v === undefined) throw new ConfigError(name, 'unknown broker config');
    return v;
  }

  get brokerId(): number {
    return this.int('broker.id');
  }

  /** The level backend's settings (level.*). */
  get levelOptions(): LevelOptions {
    return {
      chunkBytes: this.int('level.chunk.bytes'),
      chunkCacheBytes: this.int('level.chunk.cache.bytes'),
      writeBufferBytes: this.int('level.write.buffer.bytes'),
      maxFileBytes: this.int('level.max.file.bytes'),
      blockBytes: this.int('level.block.bytes'),
      cacheBytes: this.int('level.cache.bytes'),
      compression: this.bool('level.compression'),
    };
  }

  get logDirs(): string[] {
    const dirs = this.list('log.dirs');
    return dirs.length > 0 ? dirs : [this.string('log.dir')].filter((d) => d !== '');
  }

  /** Warnings for deprecated settings that were set (log.message.format.version…). */
  deprecationWarnings(): string[] {
    const warnings: string[] = [];
    for (const [name, raw] of this.explicit) {
      const why = deprecationOf(TOPIC_DEFAULT_SYNONYMS[name] ?? '');
      if (why !== undefined) warnings.push(`the configuration ${name}=${raw.trim()} ${why}`);
    }
    return warnings;
  }

  /** The setting logDirs comes from, for messages about them. */
  get logDirsKey(): 'log.dirs' | 'log.dir' {
    return this.list('log.dirs').length > 0 ? 'log.dirs' : 'log.dir';
  }

  /** Every broker-level setting with its value, for DescribeConfigs on the broker resource. */
  entries(): Array<{ name: string; value: string | null; isDefault: boolean; sensitive: boolean }> {
    const out: Array<{ name: string; value: string | null; isDefault: boolean; sensitive: boolean }> = [];
    for (const key of BROKER_CONFIG_KEYS) {
      const sensitive = isSensitiveConfig(key.name);
      out.push({ name: key.name, value: sensitive ? null : formatValue(this.values.get(key.name)!), isDefault: !this.explicit.has(key.name), sensitive });
    }
    for (const name of this.listenerOverrides.keys())
      out.push({
        name,
        value: isSensitiveConfig(name) ? null : formatValue(this.listenerOverrides.get(name)!),
        isDefault: false,
        sensitive: isSensitiveConfig(name),
      });
    for (const [broker, topic] of Object.entries(TOPIC_DEFAULT_SYNONYMS)) {
      const key = TOPIC_KEYS.get(topic)!;
      const set = this.topicDefaults[topic];
      out.push({ name: broker, value: set !== undefined ? formatValue(set) : key.defaultValue, isDefault: set === undefined, sensitive: false });
    }
    return out;
  }
}

export function formatValue(v: ConfigValue): string {
  return Array.isArray(v) ? v.join(',') : String(v);
}

/** `NAME://host:port`; an empty host means every interface (advertised as the host name). */
export function parseListener(text: string, key: string, protocols: ReadonlyMap<string, SecurityProtocol>): Listener {
  const m = /^([A-Za-z_][A-Za-z0-9_-]*):\/\/(\[[^\]]*\]|[^:]*):(\d+)$/.exec(text.trim());
  if (!m) throw new ConfigError(key, `'${text}' is not a listener like PLAINTEXT://host:9092`);
  const port = Number(m[3]);
  if (port > 65535) throw new ConfigError(key, `'${text}' has port ${port}, outside 0-65535`);
  const name = m[1]!.toUpperCase();
  const securityProtocol = protocols.get(name);
  if (!securityProtocol)
    throw new ConfigError('listener.security.protocol.map', `No security protocol defined for listener ${name} (in ${key}); map it, like ${name}:SASL_SSL`);
  return { name, host: m[2]!.replace(/^\[|\]$/g, ''), port, securityProtocol };
}

/** A listener list: names unique, and on `listeners` ports too (but 0, the kernel's choice). */
function parseListeners(texts: readonly string[], key: string, protocols: ReadonlyMap<string, SecurityProtocol>): Listener[] {
  const listeners = texts.map((t) => parseListener(t, key, protocols));
  for (let i = 0; i < listeners.length; i++) {
    for (let j = 0; j < i; j++) {
      if (listeners[i]!.name === listeners[j]!.name)
        throw new ConfigError(key, `Each listener must have a different name, but ${listeners[i]!.name} is given twice`);
      if (key === 'listeners' && listeners[i]!.port !== 0 && listeners[i]!.port === listeners[j]!.port && listeners[i]!.host === listeners[j]!.host) {
        throw new ConfigError(
          key,
          `Each listener must have a different port, but ${listeners[i]!.name} and ${listeners[j]!.name} both listen on ${listeners[i]!.port}`,
        );
      }
    }
  }
  return listeners;
}

const SECURITY_KEYS = new Map(SECURITY_CONFIG_KEYS.map((k) => [k.name, k]));
const JAAS_KEY: ConfigKey = {
  name: 'sasl.jaas.config',
  type: 'password',
  defaultValue: '',
  doc: 'the JAAS configuration of one SASL mechanism on one listener',
};

/** The key a `listener.name.<listener>.<key>` setting overrides: a security setting, or `<mechanism>.sasl.jaas.config`. */
export function listenerOverrideKey(name: string): ConfigKey | undefined {
  const m = /^listener\.name\.[^.]+\.(.+)$/.exec(name);
  if (!m) return undefined;
  const rest = m[1]!;
  if (/^[a-z0-9-]+\.sasl\.jaas\.config$/.test(rest)) return JAAS_KEY;
  return SECURITY_KEYS.get(rest);
}

export function parseProperties(text: string): Record<string, string> {
  const out: Record<string, string> = {};
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i]!.trim();
    if (line === '' || line.startsWith('#') || line.startsWith('!')) continue;
    while (line.endsWith('\\') && i + 1 < lines.length) line = line.slice(0, -1) + lines[++i]!.trim();
    const m = /^([^=:\s]+)\s*[=:\s]\s*(.*)$/.exec(line);
    if (m) out[m[1]!] = m[2]!;
    else out[line] = '';
  }
  return out;
}
