import type { ConfigKey } from '../../../storage/config/config-def.js';
import { closestName } from '../../../storage/config/did-you-mean.js';
import { LOG_CONFIG_KEYS } from '../../../storage/config/log-config.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { BROKER_CONFIG_KEYS, TOPIC_DEFAULT_SYNONYMS } from '../broker-config.js';
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

/** Broker settings Kafka reconfigures that samsa has, besides the topic defaults: the retention and roll fallbacks, the cleaner's pause, and the thread counts samsa accepts but does not use. */
const DYNAMIC_BROKER_SETTINGS = [
  'log.retention.minutes',
  'log.retention.hours',
  'log.roll.hours',
  'log.cleaner.backoff.ms',
  'num.io.threads',
  'num.network.threads',
];

const BROKER_KEYS = new Map(BROKER_CONFIG_KEYS.map((k) => [k.name, k]));
const TOPIC_KEYS = new Map(LOG_CONFIG_KEYS.map((k) => [k.name, k]));

/** Every key an AlterConfigs on a broker resource may set, by name, typed and documented under that name. */
export const DYNAMIC_BROKER_KEYS: ReadonlyMap<string, ConfigKey> = new Map([
  ...Object.entries(TOPIC_DEFAULT_SYNONYMS)
    .filter(([broker]) => !STATIC_TOPIC_DEFAULTS.has(broker))
    .map(([broker, topic]): [string, ConfigKey] => [broker, { ...TOPIC_KEYS.get(topic)!, name: broker }]),
  ...DYNAMIC_BROKER_SETTINGS.map((name): [string, ConfigKey] => [name, BROKER_KEYS.get(name)!]),
  ...KERBEROS_COMPAT_KEYS.map((k): [string, ConfigKey] => [k.name, k]),
]);

/** Every broker setting name samsa knows (server.properties), for "did you mean" hints. */
export function knownBrokerSettingNames(): string[] {
  return [...BROKER_KEYS.keys(), ...Object.keys(TOPIC_DEFAULT_SYNONYMS)];
}

/**
 * Refuses a key a broker resource cannot take dynamically, as Kafka does
 * (INVALID_REQUEST naming the key): one Kafka reads only at start, or one
 * neither Kafka nor samsa knows (with the nearest dynamic name as a hint).
 */
export function checkDynamicKeys(names: readonly string[]): void {
  const readOnly = names.filter((n) => !DYNAMIC_BROKER_KEYS.has(n) && (BROKER_KEYS.has(n) || n in TOPIC_DEFAULT_SYNONYMS || n.startsWith(LISTENER_PREFIX)));
  if (readOnly.length > 0) throw new KafkaError(ErrorCode.INVALID_REQUEST, `Cannot update these configs dynamically: Set(${readOnly.join(', ')})`);
  for (const name of names) {
    if (DYNAMIC_BROKER_KEYS.has(name)) continue;
    const hint = closestName(name, DYNAMIC_BROKER_KEYS.keys());
    throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown broker config: ${name}${hint ? ` (did you mean ${hint}?)` : ''}`);
  }
}
