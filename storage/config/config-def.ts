import { ConfigError } from './config-error.js';

/** Java's Long.MAX_VALUE, Kafka's "never" for many time and count settings. */
export const LONG_MAX = '9223372036854775807';

/** Kafka's ConfigDef types; a password is a string DescribeConfigs never shows. */
export type ConfigType = 'int' | 'long' | 'double' | 'boolean' | 'string' | 'password' | 'list';
export type ConfigValue = number | boolean | string | string[];

/** One configuration key as Kafka defines it: its type, default and allowed values. */
export interface ConfigKey {
  readonly name: string;
  readonly type: ConfigType;
  /** The default as Kafka writes it in its docs and DescribeConfigs answers. */
  readonly defaultValue: string;
  readonly min?: number;
  readonly max?: number;
  /** For strings and lists: the only values accepted. */
  readonly oneOf?: readonly string[];
  /** A further check: what is wrong with the value (saying what is allowed), or undefined when it is fine. */
  readonly check?: (value: ConfigValue) => string | undefined;
  /** Why the config is deprecated or has no effect; setting it is accepted with this as a warning. */
  readonly deprecated?: string;
  readonly doc: string;
}

const INT_MIN = -2147483648;
const INT_MAX = 2147483647;

/**
 * Parses one value given as text (a properties file, a CreateTopics config) or
 * as a JS value (an embedding program). Longs beyond 2^53 (Kafka's Long.MAX_VALUE
 * "never") become Number.MAX_SAFE_INTEGER, which is as far as any timer reaches.
 */
export function parseConfigValue(key: ConfigKey, raw: unknown): ConfigValue {
  const text = typeof raw === 'string' ? raw.trim() : raw;
  let value: ConfigValue;
  switch (key.type) {
    case 'int':
    case 'long':
      value = parseInteger(key, text);
      break;
    case 'double': {
      const n = typeof text === 'number' ? text : Number(text);
      if (typeof text === 'boolean' || text === '' || !Number.isFinite(n)) throw new ConfigError(key.name, `expected a number, got ${describe(raw)}`);
      value = n;
      break;
    }
    case 'boolean':
      if (text === true || text === 'true') value = true;
      else if (text === false || text === 'false') value = false;
      else throw new ConfigError(key.name, `expected true or false, got ${describe(raw)}`);
      break;
    case 'string':
    case 'password':
      if (typeof text !== 'string') throw new ConfigError(key.name, `expected a string, got ${describe(raw)}`);
      value = text;
      break;
    case 'list': {
      const items = Array.isArray(text) ? text.map(String) : typeof text === 'string' ? text.split(',') : null;
      if (!items) throw new ConfigError(key.name, `expected a comma-separated list, got ${describe(raw)}`);
      value = items.map((s) => s.trim()).filter((s) => s.length > 0);
      break;
    }
  }
  checkRange(key, value);
  return value;
}

function parseInteger(key: ConfigKey, text: unknown): number {
  let big: bigint;
  try {
    if (typeof text === 'number' && Number.isInteger(text)) big = BigInt(text);
    else if (typeof text === 'string' && /^-?\d+$/.test(text)) big = BigInt(text);
    else throw new Error();
  } catch {
    throw new ConfigError(key.name, `expected an integer, got ${describe(text)}`);
  }
  const [lo, hi] = key.type === 'int' ? [BigInt(INT_MIN), BigInt(INT_MAX)] : [-(2n ** 63n), 2n ** 63n - 1n];
  if (big < lo || big > hi) throw new ConfigError(key.name, `${big} does not fit in a ${key.type}`);
  if (big > BigInt(Number.MAX_SAFE_INTEGER)) return Number.MAX_SAFE_INTEGER;
  if (big < BigInt(Number.MIN_SAFE_INTEGER)) return Number.MIN_SAFE_INTEGER;
  return Number(big);
}

function checkRange(key: ConfigKey, value: ConfigValue): void {
  if (typeof value === 'number') {
    if (key.min !== undefined && value < key.min) throw new ConfigError(key.name, `${value} is below the minimum ${key.min}`);
    if (key.max !== undefined && value > key.max) throw new ConfigError(key.name, `${value} is above the maximum ${key.max}`);
  }
  if (key.oneOf) {
    const items = Array.isArray(value) ? value : [String(value)];
    for (const item of items) {
      if (!key.oneOf.includes(item)) throw new ConfigError(key.name, `'${item}' is not one of ${key.oneOf.join(', ')}`);
    }
  }
  const problem = key.check?.(value);
  if (problem !== undefined) throw new ConfigError(key.name, problem);
}

function describe(raw: unknown): string {
  return typeof raw === 'string' ? `'${raw}'` : String(raw);
}
