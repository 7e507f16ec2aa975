import type { ConfigKey } from '../../../storage/config/config-def.js';
import { closestName } from '../../../storage/config/did-you-mean.js';
import { LOG_CONFIG_KEYS } from '../../../storage/config/log-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { BROKER_CONFIG_KEYS, listenerOverrideKey, TOPIC_DEFAULT_SYNONYMS } from '../broker-config.js';
import { LISTENER_PREFIX } from '../security/security-config-keys.js';

/**
 * Kafka's SASL/Kerberos settings, which it reconfigures per listener. samsa has
 * no Kerberos; these are kept and described so tools that set them (librdkafka's
 * admin test sets sasl.kerberos.min.time.before.relogin) get Kafka's answer.
 */
export const KERBEROS_COMPAT_KEYS: readonly ConfigKey[] = [
  { name: 'sasl.kerberos.service.name', type: 'string', defaultValue: '', doc: 'accepted for compatibility: samsa has no Kerberos (GSSAPI)' },
  { name: 'sasl.kerberos.kinit.cmd', type: 'string', defaultValue: '/usr/bin/kinit', doc: 'accepted for compatibility: samsa has no Kerberos (GSSAPI)' },
  {
    name: 'sasl.kerberos.min.time.before.relogin',
    type: 'long',
    defaultValue: '60000',
    doc: 'accepted for compatibility: samsa has no Kerberos (GSSAPI)',
  },
  {
    name: 'sasl.kerberos.ticket.renew.jitter',
    type: 'double',
    defaultValue: '0.05',
    doc: 'accepted for compatibility: samsa has no Kerberos (GSSAPI)',
  },
  {
    name: 'sasl.kerberos.ticket.renew.window.factor',
    type: 'double',
    defaultValue: '0.8',
    doc: 'accepted for compatibility: samsa has no Kerberos (GSSAPI)',
  },
  { name: 'sasl.kerberos.principal.to.local.rules', type: 'list', defaultValue: 'DEFAULT', doc: 'accepted for compatibility: samsa has no Kerberos (GSSAPI)' },
];

/** Topic defaults Kafka does not reconfigure (log.message.format.version), or samsa cannot (storage.backend picks the storage of every log at start). */
const STATIC_TOPIC_DEFAULTS = new Set(['log.message.format.version', 'storage.backend']);

/**
 * Broker settings Kafka reconfigures that samsa has, besides the topic
 * defaults: the retention and roll fallbacks, the log cleaner's settings
 * (Kafka's LogCleaner.ReconfigurableConfigs: it restarts with them), the
 * replica fetchers' count, producer.id.expiration.ms (KIP-854), and the
 * thread counts samsa accepts but does not use.
 */
const DYNAMIC_BROKER_SETTINGS = [
  'log.retention.minutes',
  'log.retention.hours',
  'log.roll.hours',
  'log.cleaner.threads',
  'log.cleaner.dedupe.buffer.size',
  'log.cleaner.io.buffer.load.factor',
  'log.cleaner.io.buffer.size',
  'log.cleaner.io.max.bytes.per.second',
  'log.cleaner.backoff.ms',
  'num.replica.fetchers',
  'producer.id.expiration.ms',
  'num.io.threads',
  'num.network.threads',
];

/**
 * Kafka's DynamicListenerConfig keys (KIP-226, ZooKeeper mode): listeners are
 * added and removed, and advertised anew, one broker at a time, never at the
 * cluster-wide default.
 */
export const LISTENER_SET_KEYS: ReadonlySet<string> = new Set(['listeners', 'advertised.listeners', 'listener.security.protocol.map']);

const BROKER_KEYS = new Map(BROKER_CONFIG_KEYS.map((k) => [k.name, k]));
const TOPIC_KEYS = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k]));

/** Every key an AlterConfigs on a broker resource may set, by name, typed and documented under that name. */
export const DYNAMIC_BROKER_KEYS: ReadonlyMap<string, ConfigKey> = new Map([
  ...Object.entries(TOPIC_DEFAULT_SYNONYMS)
    .filter(([broker]) => !STATIC_TOPIC_DEFAULTS.has(broker))
    .map(([broker, topic]): [string, ConfigKey] => [broker, { ...TOPIC_KEYS.get(topic)!, name: broker }]),
  ...[...DYNAMIC_BROKER_SETTINGS, ...LISTENER_SET_KEYS].map((name): [string, ConfigKey] => [name, BROKER_KEYS.get(name)!]),
  ...KERBEROS_COMPAT_KEYS.map((k): [string, ConfigKey] => [k.name, k]),
]);

/** The key stores a TLS listener reloads while it runs (Kafka's SslConfigs.RECONFIGURABLE_CONFIGS), each only per listener and per broker. */
export const RELOADABLE_SSL_KEYS: ReadonlySet<string> = new Set([
  'ssl.keystore.type',
  'ssl.keystore.location',
  'ssl.keystore.password',
  'ssl.key.password',
  'ssl.keystore.key',
  'ssl.keystore.certificate.chain',
  'ssl.truststore.type',
  'ssl.truststore.location',
  'ssl.truststore.password',
  'ssl.truststore.certificates',
]);

/** Security settings that are the broker's as a whole, never one listener's. */
const BROKER_WIDE_SECURITY_KEYS = new Set(['listener.security.protocol.map', 'security.inter.broker.protocol', 'sasl.mechanism.inter.broker.protocol']);

/** A `listener.name.<listener>.<key>` setting: the listener (upper case, as listeners are named), the key it overrides, and whether a running listener reloads it. */
export interface ListenerKey {
  listener: string;
  key: string;
  reloadable: boolean;
}

/**
 * The listener setting `name` is, for the keys a broker resource may set per
 * listener: its ssl.*, sasl.* and connection settings and its mechanisms' JAAS
 * configs. A running listener reloads only its key and trust stores; the
 * others are for listeners added while the broker runs.
 */
export function listenerKeyOf(name: string): ListenerKey | undefined {
  const m = /^listener\.name\.([^.]+)\.(.+)$/.exec(name);
  if (!m || BROKER_WIDE_SECURITY_KEYS.has(m[2]!) || !listenerOverrideKey(name)) return undefined;
  return { listener: m[1]!.toUpperCase(), key: m[2]!, reloadable: RELOADABLE_SSL_KEYS.has(m[2]!) };
}

/** `listener.name.<listener>.<ssl key>` → the listener and the key, for the reloadable key stores. */
export function listenerSslKey(name: string): { listener: string; key: string } | undefined {
  const key = listenerKeyOf(name);
  return key?.reloadable ? key : undefined;
}

/** The definition of a key a broker resource may set dynamically, under its full name; undefined for any other key. */
export function dynamicKeyOf(name: string): ConfigKey | undefined {
  const plain = DYNAMIC_BROKER_KEYS.get(name);
  if (plain) return plain;
  return listenerKeyOf(name) && { ...listenerOverrideKey(name)!, name };
}

/** Every broker setting name samsa knows (server.properties), for "did you mean" hints. */
export function knownBrokerSettingNames(): string[] {
  return [...BROKER_KEYS.keys(), ...Object.keys(TOPIC_DEFAULT_SYNONYMS)];
}

/**
 * Refuses keys a broker resource cannot take dynamically, with Kafka's
 * messages (INVALID_REQUEST naming the keys), in Kafka's order: keys read only
 * at start, unknown keys (with the nearest dynamic name as a hint), key
 * stores not given per listener, and listeners and listener settings at the
 * cluster-wide default (`perBroker` false), which Kafka takes only for one broker.
 */
export function checkDynamicKeys(names: readonly string[], perBroker: boolean): void {
  const set = (keys: readonly string[]) => `Set(${keys.join(', ')})`;
  const readOnly = names.filter(
    (n) => !dynamicKeyOf(n) && !RELOADABLE_SSL_KEYS.has(n) && (BROKER_KEYS.has(n) || n in TOPIC_DEFAULT_SYNONYMS || n.startsWith(LISTENER_PREFIX)),
  );
  if (readOnly.length > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: ${set(readOnly)}`);
  for (const name of names) {
    if (dynamicKeyOf(name) || RELOADABLE_SSL_KEYS.has(name)) continue;
    const hint = closestName(name, DYNAMIC_BROKER_KEYS.keys());
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown broker config: ${name}${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
  const unprefixed = names.filter((n) => RELOADABLE_SSL_KEYS.has(n));
  if (unprefixed.length > 0)
    throw new KafkaError(
      ErrorCode.INVALID_REQUEST,
      `These security configs can be dynamically updated only per-listener using the listener prefix: ${set(unprefixed)}`,
    );
  const perListener = names.filter((n) => LISTENER_SET_KEYS.has(n) || listenerKeyOf(n));
  if (!perBroker && perListener.length > 0)
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs at default cluster level, broker id must be specified: ${set(perListener)}`);
}
