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
  string,
} from '../network/config.js';
import { ClientConfigError } from '../network/errors.js';
import type { AssignorSpec } from './assignors/index.js';
import { type DeserializerSpec, isDeserializerSpec } from './deserializers.js';
import type { ConsumerInterceptor } from './interceptors.js';

function bad(name: string, value: unknown, expected: string): never {
  throw new ClientConfigError(`invalid value ${String(value)} for configuration '${name}': ${expected}`);
}

function deserializer(): ConfigDef<DeserializerSpec<unknown>> {
  return object<DeserializerSpec<unknown>>('bytes', isDeserializerSpec, "expected 'string', 'bytes', 'json', a function or an object with deserialize()");
}

/** partition.assignment.strategy: names, Java class names, assignor objects or classes; a list or a comma-separated string. */
function assignors(): ConfigDef<readonly AssignorSpec[]> {
  return {
    defaultValue: ['range', 'cooperative-sticky'],
    parse: (value, name) => {
      const items =
        typeof value === 'string'
          ? value
              .split(',')
              .map((s) => s.trim())
              .filter((s) => s !== '')
          : Array.isArray(value)
            ? value
            : [value];
      if (items.length === 0) bad(name, value, 'expected at least one assignor');
      for (const item of items) {
        const ok =
          typeof item === 'string' ||
          typeof item === 'function' ||
          (typeof item === 'object' && item !== null && typeof item.assign === 'function' && typeof item.name === 'string');
        if (!ok) bad(name, value, 'expected assignor names, classes or objects');
      }
      return items as AssignorSpec[];
    },
  };
}

// biome-ignore lint/suspicious/noExplicitAny: a config holds interceptors of any key and value types, as Java's list of classes does
function interceptors(): ConfigDef<readonly ConsumerInterceptor<any, any>[]> {
  return {
    defaultValue: [],
    parse: (value, name) => {
      const items = Array.isArray(value) ? value : [value];
      for (const item of items) if (typeof item !== 'object' || item === null) bad(name, value, 'expected interceptor objects (onConsume, onCommit, close)');
      // biome-ignore lint/suspicious/noExplicitAny: as above
      return items as ConsumerInterceptor<any, any>[];
    },
  };
}

/** The consumer's settings: Kafka's names and the Java consumer's defaults. */
export const CONSUMER_CONFIG = {
  ...commonClientConfig({ receiveBufferBytes: 65_536, connectionsMaxIdleMs: 540_000 }),
  'group.id': nullableString(),
  'group.instance.id': nullableString(),
  'group.protocol': oneOf('classic', ['classic']),
  'key.deserializer': deserializer(),
  'value.deserializer': deserializer(),
  'enable.auto.commit': bool(true),
  'auto.commit.interval.ms': int(5000, { min: 0 }),
  'auto.offset.reset': oneOf<'latest' | 'earliest' | 'none'>('latest', ['latest', 'earliest', 'none']),
  'fetch.min.bytes': int(1, { min: 0 }),
  'fetch.max.bytes': int(52_428_800, { min: 0 }),
  'fetch.max.wait.ms': int(500, { min: 0 }),
  'max.partition.fetch.bytes': int(1_048_576, { min: 0 }),
  'max.poll.records': int(500, { min: 1 }),
  'max.poll.interval.ms': int(300_000, { min: 1 }),
  'session.timeout.ms': int(45_000),
  'heartbeat.interval.ms': int(3000),
  'partition.assignment.strategy': assignors(),
  'isolation.level': oneOf<'read_uncommitted' | 'read_committed'>('read_uncommitted', ['read_uncommitted', 'read_committed']),
  'check.crcs': bool(true),
  'allow.auto.create.topics': bool(true),
  'exclude.internal.topics': bool(true),
  'default.api.timeout.ms': int(60_000, { min: 0 }),
  'interceptor.classes': interceptors(),
  'client.rack': string(''),
} as const;

export type ConsumerConfig = ParsedConfig<typeof CONSUMER_CONFIG>;

/** What `new Consumer(...)` takes: any of the settings, values typed or as Kafka's strings. */
export type ConsumerConfigInput = ConfigInput<typeof CONSUMER_CONFIG>;

export function parseConsumerConfig(input: Record<string, unknown>): ConsumerConfig {
  const config = parseConfig(CONSUMER_CONFIG, input, 'consumer');
  if (config['heartbeat.interval.ms'] >= config['session.timeout.ms']) {
    throw new ClientConfigError(
      `heartbeat.interval.ms (${config['heartbeat.interval.ms']}) must be lower than session.timeout.ms (${config['session.timeout.ms']})`,
    );
  }
  if (config['group.id'] === null && input['enable.auto.commit'] !== undefined && config['enable.auto.commit']) {
    throw new ClientConfigError('enable.auto.commit cannot be set to true when group.id is not set');
  }
  return config;
}
