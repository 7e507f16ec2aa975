import { COMPRESSION_NAMES, type CompressionName } from '../../../codecs/index.js';
import {
  bool,
  type ConfigDef,
  type ConfigInput,
  commonClientConfig,
  int,
  nullableString,
  object,
  oneOf,
  type ParsedConfig,
  parseConfig,
} from '../network/config.js';
import { ClientConfigError } from '../network/errors.js';
import type { ProducerInterceptor } from './interceptors.js';
import type { Partitioner, PartitionerClass } from './partitioner.js';
import type { SerializerSetting } from './serializers.js';

/** acks as Kafka takes it: 0, 1, -1 or "all" (stored as -1). */
function acks(defaultValue: number): ConfigDef<number> {
  return {
    defaultValue,
    parse: (value, name) => {
      const v = typeof value === 'string' ? value.trim().toLowerCase() : value;
      if (v === 'all' || v === -1 || v === '-1') return -1;
      if (v === 0 || v === '0') return 0;
      if (v === 1 || v === '1') return 1;
      throw new ClientConfigError(`invalid value ${JSON.stringify(value)} for configuration '${name}': expected one of all, -1, 0, 1`);
    },
  };
}

const isSerializer = (v: unknown) =>
  typeof v === 'function' ||
  (typeof v === 'string' && ['string', 'bytes', 'json'].includes(v)) ||
  (typeof v === 'object' && v !== null && typeof (v as { serialize?: unknown }).serialize === 'function');
const isPartitioner = (v: unknown) =>
  typeof v === 'function' || (typeof v === 'object' && v !== null && typeof (v as { partition?: unknown }).partition === 'function');
const isInterceptorList = (v: unknown) => Array.isArray(v) && v.every((i) => typeof i === 'object' && i !== null);

/** The producer's settings, with the Java producer's names and (Kafka 4.0) defaults. */
export const PRODUCER_CONFIG = {
  ...commonClientConfig({ receiveBufferBytes: 32_768, connectionsMaxIdleMs: 540_000 }),
  acks: acks(-1),
  retries: int(2_147_483_647, { min: 0 }),
  'delivery.timeout.ms': int(120_000, { min: 0 }),
  'max.request.size': int(1_048_576, { min: 0 }),
  'compression.type': oneOf<CompressionName>('none', COMPRESSION_NAMES),
  'linger.ms': int(5, { min: 0 }),
  'batch.size': int(16_384, { min: 0 }),
  'buffer.memory': int(33_554_432, { min: 0 }),
  'max.block.ms': int(60_000, { min: 0 }),
  'max.in.flight.requests.per.connection': int(5, { min: 1 }),
  /** On by default since Kafka 3.0: sequence numbers make retries write each batch once, in order. */
  'enable.idempotence': bool(true),
  /** Set to use transactions (initTransactions() and the rest); needs idempotence. */
  'transactional.id': nullableString(),
  'transaction.timeout.ms': int(60_000),
  /** 'string', 'bytes', 'json', a function (topic, data, headers) => bytes, or an object with serialize(). The default takes strings and bytes as they are. */
  'key.serializer': object<SerializerSetting | null>(null, isSerializer, "expected 'string', 'bytes', 'json', a function or a Serializer"),
  'value.serializer': object<SerializerSetting | null>(null, isSerializer, "expected 'string', 'bytes', 'json', a function or a Serializer"),
  /** A Partitioner object or class; null uses the built-in one (murmur2 for keys, sticky for null keys). */
  'partitioner.class': object<Partitioner | PartitionerClass | null>(null, isPartitioner, 'expected a Partitioner object or class'),
  'interceptor.classes': object<readonly ProducerInterceptor[]>([], isInterceptorList, 'expected an array of interceptor objects'),
} as const;

export type ProducerConfig = ParsedConfig<typeof PRODUCER_CONFIG>;

/** What `new Producer(…)` accepts: Kafka's names, values typed or as strings. */
export type ProducerConfigInput = ConfigInput<typeof PRODUCER_CONFIG> & { readonly 'bootstrap.servers': string | readonly string[] };

export function parseProducerConfig(input: ProducerConfigInput): ProducerConfig {
  const config = parseConfig(PRODUCER_CONFIG, input as Record<string, unknown>, 'producer');
  // As the Java producer: a batch must be able to wait out linger.ms and one request timeout.
  if (config['delivery.timeout.ms'] < config['linger.ms'] + config['request.timeout.ms']) {
    throw new ClientConfigError(
      `delivery.timeout.ms should be equal to or larger than linger.ms + request.timeout.ms (${config['delivery.timeout.ms']} < ${config['linger.ms']} + ${config['request.timeout.ms']})`,
    );
  }
  return checkIdempotence(config, input as Record<string, unknown>);
}

/** The most requests in flight per connection idempotence can keep in order (the broker remembers five batches per producer). */
const MAX_IN_FLIGHT_FOR_IDEMPOTENCE = 5;

/**
 * Kafka 3.x's rules (ProducerConfig.postProcessAndValidateIdempotenceConfigs):
 * idempotence needs acks=all, retries and at most five requests in flight.
 * Asked for explicitly, a conflicting setting is an error; left at its
 * default, idempotence is turned off instead. A transactional.id needs
 * idempotence.
 */
function checkIdempotence(config: ProducerConfig, input: Record<string, unknown>): ProducerConfig {
  const explicit = input['enable.idempotence'] !== undefined && input['enable.idempotence'] !== null;
  let enabled = config['enable.idempotence'];
  if (enabled) {
    const conflicts: string[] = [];
    if (config.retries === 0) conflicts.push('Must set retries to non-zero when using the idempotent producer.');
    if (config.acks !== -1) conflicts.push('Must set acks to all in order to use the idempotent producer. Otherwise we cannot guarantee idempotence.');
    if (config['max.in.flight.requests.per.connection'] > MAX_IN_FLIGHT_FOR_IDEMPOTENCE) {
      conflicts.push(`Must set max.in.flight.requests.per.connection to at most ${MAX_IN_FLIGHT_FOR_IDEMPOTENCE} to use the idempotent producer.`);
    }
    if (conflicts.length > 0 && explicit) throw new ClientConfigError(conflicts[0]!);
    if (conflicts.length > 0) enabled = false;
  }
  if (config['transactional.id'] === '') throw new ClientConfigError('invalid value "" for configuration \'transactional.id\': String must be non-empty');
  if (!enabled && config['transactional.id'] !== null) throw new ClientConfigError('Cannot set a transactional.id without also enabling idempotence.');
  return enabled === config['enable.idempotence'] ? config : { ...config, 'enable.idempotence': enabled };
}
