import { type ConfigKey, type ConfigType, type ConfigValue, LONG_MAX } from '../../../storage/config/config-def.js';
import { LOG_CONFIG_KEYS, type LogConfig } from '../../../storage/config/log-config.js';
import { BROKER_CONFIG_KEYS, BROKER_SYNONYM_OF, type BrokerConfig, TOPIC_DEFAULT_SYNONYMS } from '../broker-config.js';
import { dynamicKeyOf, KERBEROS_COMPAT_KEYS } from '../dynamic/dynamic-config-keys.js';
import { isSensitiveConfig } from '../security/security-config-keys.js';

/** Kafka's DescribeConfigsResponse.ConfigSource ids. */
export const ConfigSourceId = {
  UNKNOWN: 0,
  DYNAMIC_TOPIC_CONFIG: 1,
  DYNAMIC_BROKER_CONFIG: 2,
  DYNAMIC_DEFAULT_BROKER_CONFIG: 3,
  STATIC_BROKER_CONFIG: 4,
  DEFAULT_CONFIG: 5,
  DYNAMIC_BROKER_LOGGER_CONFIG: 6,
} as const;

/** Kafka's DescribeConfigsResponse.ConfigType ids (what ConfigDef.Type maps to). */
export const ConfigTypeId = {
  UNKNOWN: 0,
  BOOLEAN: 1,
  STRING: 2,
  INT: 3,
  SHORT: 4,
  LONG: 5,
  DOUBLE: 6,
  LIST: 7,
  CLASS: 8,
  PASSWORD: 9,
} as const;

const TYPE_IDS: Record<ConfigType, number> = {
  boolean: ConfigTypeId.BOOLEAN,
  string: ConfigTypeId.STRING,
  password: ConfigTypeId.PASSWORD,
  int: ConfigTypeId.INT,
  long: ConfigTypeId.LONG,
  double: ConfigTypeId.DOUBLE,
  list: ConfigTypeId.LIST,
};

export function configTypeId(type: ConfigType): number {
  return TYPE_IDS[type];
}

/** Java's Double.toString: "0.5", "1.0", "1.0E-4", "1.5E10". */
export function formatJavaDouble(v: number): string {
  if (Number.isNaN(v)) return 'NaN';
  if (!Number.isFinite(v)) return v > 0 ? 'Infinity' : '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    const text = String(v);
    return text.includes('.') ? text : `${text}.0`;
  }
  // Scientific: JS writes "1e-4" / "1.5e+10", Java "1.0E-4" / "1.5E10".
  const [mantissa, exponent] = v.toExponential().split('e') as [string, string];
  return `${mantissa.includes('.') ? mantissa : `${mantissa}.0`}E${Number(exponent)}`;
}

const MAX_SAFE = Number.MAX_SAFE_INTEGER;
const MIN_SAFE = Number.MIN_SAFE_INTEGER;

/**
 * A parsed config value as Kafka writes it (ConfigDef.convertToString): lists
 * comma-joined, doubles as Java does, longs in decimal. The config parser
 * clamps longs beyond 2^53 to ±Number.MAX_SAFE_INTEGER; such a value is written
 * from `raw` (the text it was parsed from) when that holds the exact number,
 * else as Long.MAX_VALUE when that is the key's default (its "never").
 */
export function formatConfigValue(key: Pick<ConfigKey, 'type' | 'defaultValue'>, value: ConfigValue, raw?: string): string {
  if (Array.isArray(value)) return value.join(',');
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'string') return value;
  if (key.type === 'double') return formatJavaDouble(value);
  if ((key.type === 'long' || key.type === 'int') && (value >= MAX_SAFE || value <= MIN_SAFE)) {
    const exact = exactInteger(raw);
    if (exact !== undefined && (exact >= BigInt(MAX_SAFE) || exact <= BigInt(MIN_SAFE))) return exact.toString();
    if (value >= MAX_SAFE && key.defaultValue === LONG_MAX) return LONG_MAX;
  }
  return String(value);
}

function exactInteger(raw: string | undefined): bigint | undefined {
  if (raw === undefined) return undefined;
  const text = raw.trim();
  return /^-?\d+$/.test(text) ? BigInt(text) : undefined;
}

/** The values a broker setting has in the layers that set it, most specific first (dynamic broker, dynamic default, static), as source ids. */
export type BrokerLayers = (name: string) => Array<{ value: string; source: number }>;

/** server.properties alone: the layers of a broker without dynamic configs. */
export function staticLayers(broker: BrokerConfig): BrokerLayers {
  return (name) => {
    const raw = broker.explicit.get(name);
    return raw === undefined ? [] : [{ value: raw.trim(), source: ConfigSourceId.STATIC_BROKER_CONFIG }];
  };
}

export interface DescribeOptions {
  keys?: readonly string[] | null;
  includeSynonyms?: boolean;
  includeDocumentation?: boolean;
  /** The broker's setting layers; server.properties alone when not given. */
  layers?: BrokerLayers;
  /** Keys set dynamically that server.properties may not have (a listener's key store): described too. */
  dynamicNames?: readonly string[];
}

export interface DescribedConfig {
  name: string;
  value: string | null;
  readOnly: boolean;
  isDefault: boolean;
  configSource: number;
  isSensitive: boolean;
  synonyms: Array<{ name: string; value: string | null; source: number }>;
  configType: number;
  documentation: string | null;
}

/** Broker settings that feed a topic config, most specific first (Kafka's TopicConfigSynonyms). */
const BROKER_SYNONYM_CHAINS: Readonly<Record<string, readonly string[]>> = {
  'retention.ms': ['log.retention.ms', 'log.retention.minutes', 'log.retention.hours'],
  'segment.ms': ['log.roll.ms', 'log.roll.hours'],
};

/** The broker setting whose default Kafka reports as a topic config's DEFAULT_CONFIG synonym, with that default. */
const DEFAULT_SYNONYMS: Readonly<Record<string, { name: string; value: string }>> = {
  'retention.ms': { name: 'log.retention.hours', value: '168' },
  'segment.ms': { name: 'log.roll.hours', value: '168' },
};

function brokerSynonyms(topicKey: string): readonly string[] {
  const chain = BROKER_SYNONYM_CHAINS[topicKey];
  if (chain) return chain;
  const single = BROKER_SYNONYM_OF.get(topicKey);
  return single ? [single] : [];
}

/**
 * Every topic config (LOG_CONFIG_KEYS order) as DescribeConfigs and
 * CreateTopics v5+ report it: the effective value, where it came from (the
 * topic's override, the broker's server.properties, Kafka's default) and, when
 * asked, the synonyms in precedence order, the type and the documentation.
 */
export function describeTopicConfigs(
  overrides: Readonly<Record<string, string>>,
  config: LogConfig,
  broker: BrokerConfig,
  options: DescribeOptions = {},
): DescribedConfig[] {
  // Null or empty: every config, as Kafka does.
  const wanted = options.keys && options.keys.length > 0 ? new Set(options.keys) : null;
  const layersOf = options.layers ?? staticLayers(broker);
  const out: DescribedConfig[] = [];
  for (const key of LOG_CONFIG_KEYS) {
    if (wanted && !wanted.has(key.name)) continue;
    const value = config.get(key.name);
    const override = Object.hasOwn(overrides, key.name) ? overrides[key.name] : undefined;
    const synonyms: DescribedConfig['synonyms'] = [];
    if (override !== undefined) {
      synonyms.push({ name: key.name, value: formatConfigValue(key, value, override), source: ConfigSourceId.DYNAMIC_TOPIC_CONFIG });
    }
    // Kafka's order: by source (dynamic broker, dynamic default, static), then along the synonym chain.
    const brokerSet = brokerSynonyms(key.name)
      .flatMap((name) => layersOf(name).map((layer) => ({ name, ...layer })))
      .sort((a, b) => a.source - b.source);
    synonyms.push(...brokerSet);
    const fallback = DEFAULT_SYNONYMS[key.name];
    const defaultName = fallback?.name ?? BROKER_SYNONYM_OF.get(key.name);
    if (defaultName !== undefined) synonyms.push({ name: defaultName, value: fallback?.value ?? key.defaultValue, source: ConfigSourceId.DEFAULT_CONFIG });
    const source = config.source(key.name);
    const fromBroker = brokerSet[0];
    const configSource =
      source === 'topic'
        ? ConfigSourceId.DYNAMIC_TOPIC_CONFIG
        : source === 'broker'
          ? (fromBroker?.source ?? ConfigSourceId.STATIC_BROKER_CONFIG)
          : ConfigSourceId.DEFAULT_CONFIG;
    const raw = source === 'topic' ? override : source === 'broker' ? fromBroker?.value : key.defaultValue;
    out.push({
      name: key.name,
      value: formatConfigValue(key, value, raw),
      readOnly: false,
      isDefault: configSource === ConfigSourceId.DEFAULT_CONFIG,
      configSource,
      isSensitive: false,
      synonyms: options.includeSynonyms ? synonyms : [],
      configType: configTypeId(key.type),
      documentation: options.includeDocumentation ? key.doc : null,
    });
  }
  return out;
}

const BROKER_KEYS = new Map(BROKER_CONFIG_KEYS.map((k) => [k.name, k]));
const TOPIC_KEYS = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k]));

/**
 * The broker's own settings, from the most specific layer that sets them
 * (DYNAMIC_BROKER_CONFIG, DYNAMIC_DEFAULT_BROKER_CONFIG, STATIC_BROKER_CONFIG)
 * or DEFAULT_CONFIG, with the topic defaults under their broker names
 * (log.segment.bytes…); read-only unless Kafka reconfigures them at run time.
 */
export function describeBrokerConfigs(broker: BrokerConfig, brokerId: number, options: DescribeOptions = {}): DescribedConfig[] {
  // Null or empty: every config, as Kafka does.
  const wanted = options.keys && options.keys.length > 0 ? new Set(options.keys) : null;
  const layersOf = options.layers ?? staticLayers(broker);
  const out: DescribedConfig[] = [];
  const compat = KERBEROS_COMPAT_KEYS.map((k) => ({ name: k.name, value: k.defaultValue, isDefault: true, sensitive: false }));
  const entries = [...broker.entries(), ...compat];
  const listed = new Set(entries.map((e) => e.name));
  for (const name of options.dynamicNames ?? []) {
    if (!listed.has(name)) entries.push({ name, value: null, isDefault: false, sensitive: isSensitiveConfig(name) });
  }
  for (const entry of entries) {
    if (wanted && !wanted.has(entry.name)) continue;
    const topicName = TOPIC_DEFAULT_SYNONYMS[entry.name];
    const key = BROKER_KEYS.get(entry.name) ?? dynamicKeyOf(entry.name) ?? (topicName !== undefined ? TOPIC_KEYS.get(topicName) : undefined);
    const layers = layersOf(entry.name);
    const raw = layers[0]?.value;
    // What was set; a value derived from another setting (log.retention.ms from .hours) is still a default.
    const isDefault = raw === undefined;
    // broker.id -1 means "generate one": report the id in use.
    let value = entry.name === 'broker.id' ? String(brokerId) : raw !== undefined && !entry.sensitive ? raw : entry.value;
    if (value !== null && key && (key.type === 'long' || key.type === 'int')) {
      const n = Number(value);
      if (Number.isInteger(n)) value = formatConfigValue(key, n, raw ?? key.defaultValue);
    } else if (value !== null && key && key.type === 'double') {
      const n = Number(value);
      if (Number.isFinite(n)) value = formatJavaDouble(n);
    }
    const configSource = layers[0]?.source ?? ConfigSourceId.DEFAULT_CONFIG;
    const synonyms: DescribedConfig['synonyms'] = layers.map((l) => ({ name: entry.name, value: entry.sensitive ? null : l.value, source: l.source }));
    if (key) synonyms.push({ name: entry.name, value: entry.sensitive ? null : key.defaultValue, source: ConfigSourceId.DEFAULT_CONFIG });
    out.push({
      name: entry.name,
      value,
      readOnly: dynamicKeyOf(entry.name) === undefined,
      isDefault,
      configSource,
      isSensitive: entry.sensitive,
      synonyms: options.includeSynonyms ? synonyms : [],
      configType: key ? configTypeId(key.type) : ConfigTypeId.UNKNOWN,
      documentation: options.includeDocumentation ? (key?.doc ?? null) : null,
    });
  }
  return out;
}

/** The cluster-wide default resource (""): only the dynamic defaults set there, as Kafka describes `<default>`. */
export function describeBrokerDefaults(dynamicDefaults: Readonly<Record<string, string>>, options: DescribeOptions = {}): DescribedConfig[] {
  const wanted = options.keys && options.keys.length > 0 ? new Set(options.keys) : null;
  const out: DescribedConfig[] = [];
  for (const [name, value] of Object.entries(dynamicDefaults)) {
    if (wanted && !wanted.has(name)) continue;
    const key = dynamicKeyOf(name);
    const source = ConfigSourceId.DYNAMIC_DEFAULT_BROKER_CONFIG;
    const sensitive = isSensitiveConfig(name);
    const shown = sensitive ? null : value;
    out.push({
      name,
      value: shown,
      readOnly: false,
      isDefault: false,
      configSource: source,
      isSensitive: sensitive,
      synonyms: options.includeSynonyms ? [{ name, value: shown, source }] : [],
      configType: key ? configTypeId(key.type) : ConfigTypeId.UNKNOWN,
      documentation: options.includeDocumentation ? (key?.doc ?? null) : null,
    });
  }
  return out;
}
