import { ClientConfigError } from './errors.js';

/**
 * Client configuration with Kafka's names: each client declares its settings
 * as a table of definitions (type, default, bounds), and `parseConfig` turns
 * what the user passed (numbers or Kafka-style strings) into a typed object.
 * An unknown name is an error, so a typo never goes unnoticed.
 */
export interface ConfigDef<T> {
  readonly parse: (value: unknown, name: string) => T;
  /** undefined: the setting is required. */
  readonly defaultValue: T | undefined;
}

export type ConfigDefs = Record<string, ConfigDef<unknown>>;

/** The parsed settings of a definition table. */
export type ParsedConfig<D extends ConfigDefs> = { readonly [K in keyof D]: D[K] extends ConfigDef<infer T> ? T : never };

/** What a user may pass: every name optional, values as parsed or as Kafka's strings. */
export type ConfigInput<D extends ConfigDefs> = { readonly [K in keyof D]?: (D[K] extends ConfigDef<infer T> ? T : never) | string };

function bad(name: string, value: unknown, expected: string): never {
  throw new ClientConfigError(`invalid value ${JSON.stringify(value) ?? String(value)} for configuration '${name}': ${expected}`);
}

function toNumber(value: unknown, name: string, integer: boolean): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value.trim()) : value;
  if (typeof n !== 'number' || !Number.isFinite(n) || (integer && !Number.isInteger(n)))
    bad(name, value, integer ? 'expected an integer' : 'expected a number');
  return n;
}

/** An int (or long) setting within [min, max]. */
export function int(defaultValue: number | undefined, bounds: { min?: number; max?: number } = {}): ConfigDef<number> {
  const min = bounds.min ?? Number.MIN_SAFE_INTEGER;
  const max = bounds.max ?? Number.MAX_SAFE_INTEGER;
  return {
    defaultValue,
    parse: (value, name) => {
      const n = toNumber(value, name, true);
      if (n < min || n > max) bad(name, value, `expected a value in [${bounds.min ?? '-∞'}, ${bounds.max ?? '∞'}]`);
      return n;
    },
  };
}

export function double(defaultValue: number | undefined, bounds: { min?: number; max?: number } = {}): ConfigDef<number> {
  return {
    defaultValue,
    parse: (value, name) => {
      const n = toNumber(value, name, false);
      if (n < (bounds.min ?? -Infinity) || n > (bounds.max ?? Infinity)) bad(name, value, `expected a value in [${bounds.min ?? '-∞'}, ${bounds.max ?? '∞'}]`);
      return n;
    },
  };
}

export function bool(defaultValue: boolean | undefined): ConfigDef<boolean> {
  return {
    defaultValue,
    parse: (value, name) => {
      if (typeof value === 'boolean') return value;
      if (typeof value === 'string' && /^(true|false)$/i.test(value.trim())) return value.trim().toLowerCase() === 'true';
      return bad(name, value, 'expected true or false');
    },
  };
}

export function string(defaultValue: string | undefined): ConfigDef<string> {
  return { defaultValue, parse: (value, name) => (typeof value === 'string' ? value : bad(name, value, 'expected a string')) };
}

/** A string that may be left unset (null), such as group.id or transactional.id. */
export function nullableString(): ConfigDef<string | null> {
  return { defaultValue: null, parse: (value, name) => (typeof value === 'string' ? value : bad(name, value, 'expected a string')) } as ConfigDef<
    string | null
  >;
}

/** One of a fixed set of strings (case-insensitive, stored lower-case, or upper-case for Kafka's upper-case enums like security.protocol). */
export function oneOf<T extends string>(defaultValue: T | undefined, values: readonly T[], stored: 'lower' | 'upper' = 'lower'): ConfigDef<T> {
  return {
    defaultValue,
    parse: (value, name) => {
      const v = typeof value === 'string' ? (stored === 'upper' ? value.trim().toUpperCase() : value.trim().toLowerCase()) : value;
      if (!values.includes(v as T)) bad(name, value, `expected one of ${values.join(', ')}`);
      return v as T;
    },
  };
}

/** A list: an array of strings, or Kafka's comma-separated string. */
export function list(defaultValue: readonly string[] | undefined, options: { nonEmpty?: boolean } = {}): ConfigDef<readonly string[]> {
  return {
    defaultValue,
    parse: (value, name) => {
      const items =
        typeof value === 'string' ? value.split(',') : Array.isArray(value) ? value : bad(name, value, 'expected a list (array or comma-separated string)');
      const out = items.map((item) => (typeof item === 'string' ? item.trim() : bad(name, value, 'expected strings in the list'))).filter((s) => s !== '');
      if (options.nonEmpty && out.length === 0) bad(name, value, 'expected at least one entry');
      return out;
    },
  };
}

/** Anything (a function, an object, a list of objects), checked by `check`. */
export function object<T>(defaultValue: T | undefined, check: (value: unknown) => boolean, expected: string): ConfigDef<T> {
  return { defaultValue, parse: (value, name) => (check(value) ? (value as T) : bad(name, value, expected)) };
}

/** Applies the definitions to the user's settings; `what` names the client in errors ("producer"). */
export function parseConfig<D extends ConfigDefs>(defs: D, input: Record<string, unknown>, what: string): ParsedConfig<D> {
  for (const name of Object.keys(input)) {
    if (!Object.hasOwn(defs, name)) throw new ClientConfigError(`unknown ${what} configuration '${name}'`);
  }
  const out: Record<string, unknown> = {};
  for (const [name, def] of Object.entries(defs)) {
    const value = input[name];
    if (value === undefined || value === null) {
      if (def.defaultValue === undefined) throw new ClientConfigError(`missing required ${what} configuration '${name}'`);
      out[name] = def.defaultValue;
    } else {
      out[name] = def.parse(value, name);
    }
  }
  return out as ParsedConfig<D>;
}

const PROTOCOLS = ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'] as const;
type SecurityProtocol = (typeof PROTOCOLS)[number];

/** The Java client's security settings (and librdkafka's sasl.username / sasl.password), shared by every samsa client. */
export function clientSecurityConfig() {
  return {
    'security.protocol': oneOf<SecurityProtocol>('PLAINTEXT', PROTOCOLS, 'upper'),
    'sasl.mechanism': string('GSSAPI'),
    'sasl.jaas.config': string(''),
    'sasl.username': string(''),
    'sasl.password': string(''),
    'ssl.truststore.type': string('JKS'),
    'ssl.truststore.location': string(''),
    'ssl.truststore.password': string(''),
    'ssl.truststore.certificates': string(''),
    'ssl.keystore.type': string('JKS'),
    'ssl.keystore.location': string(''),
    'ssl.keystore.password': string(''),
    'ssl.keystore.key': string(''),
    'ssl.keystore.certificate.chain': string(''),
    'ssl.key.password': string(''),
    'ssl.endpoint.identification.algorithm': string('https'),
  } as const;
}

/** The parsed security settings of any client. */
export type ClientSecuritySettings = ParsedConfig<ReturnType<typeof clientSecurityConfig>>;

/**
 * Settings every client shares (Java's CommonClientConfigs) with the Java
 * defaults; a client passes its own defaults where Kafka's differ.
 */
export function commonClientConfig(defaults: { receiveBufferBytes: number; connectionsMaxIdleMs: number }) {
  return {
    'bootstrap.servers': list(undefined, { nonEmpty: true }),
    'client.id': string(''),
    'request.timeout.ms': int(30_000, { min: 0 }),
    'retry.backoff.ms': int(100, { min: 0 }),
    'retry.backoff.max.ms': int(1000, { min: 0 }),
    'reconnect.backoff.ms': int(50, { min: 0 }),
    'reconnect.backoff.max.ms': int(1000, { min: 0 }),
    'socket.connection.setup.timeout.ms': int(10_000, { min: 0 }),
    'connections.max.idle.ms': int(defaults.connectionsMaxIdleMs),
    'send.buffer.bytes': int(131_072, { min: -1 }),
    'receive.buffer.bytes': int(defaults.receiveBufferBytes, { min: -1 }),
    'metadata.max.age.ms': int(300_000, { min: 0 }),
    ...clientSecurityConfig(),
  } as const;
}

export type CommonClientConfig = ParsedConfig<ReturnType<typeof commonClientConfig>>;

/** A host:port pair from bootstrap.servers ("[::1]:9092" for IPv6). */
export function parseAddress(address: string): { host: string; port: number } {
  const m = /^\[([^\]]+)\]:(\d+)$/.exec(address) ?? /^([^:]+):(\d+)$/.exec(address);
  const port = m ? Number(m[2]) : NaN;
  if (!m || !(port > 0 && port < 65536)) throw new ClientConfigError(`invalid url in bootstrap.servers: '${address}' (expected host:port)`);
  return { host: m[1]!, port };
}
