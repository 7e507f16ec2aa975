import { ConfigError } from '../../../storage/config/config-error.js';
import { type ClientSecurity, resolveClientSecurity } from '../../clients/network/client-security.js';
import type { ClientSecuritySettings } from '../../clients/network/config.js';
import { ClientConfigError } from '../../clients/network/errors.js';
import type { BrokerConfig } from '../broker-config.js';
import { usesSasl } from './security-protocol.js';

const MECHANISMS = ['PLAIN', 'SCRAM-SHA-256', 'SCRAM-SHA-512'];

/**
 * How this broker secures its connections to other brokers (the controller's
 * requests, replica fetches, transaction markers and verifications), as
 * Kafka does: the inter-broker listener's security protocol; over TLS its
 * trust store checks the other broker and its key store is this broker's
 * client certificate; over SASL the mechanism is
 * sasl.mechanism.inter.broker.protocol and the username and password are the
 * `username`/`password` options of that mechanism's JAAS config on the
 * listener. Undefined for a PLAINTEXT listener. Read once at start; a
 * problem is a ConfigError naming the broker's key.
 */
export function interBrokerSecurity(config: BrokerConfig): ClientSecurity | undefined {
  const listener = config.listeners.find((l) => l.name === config.interBrokerListenerName)!;
  const protocol = listener.securityProtocol;
  if (protocol === 'PLAINTEXT') return undefined;
  const value = (key: string): string => String(config.listenerValue(listener.name, key)?.value ?? '');
  const mechanism = config.string('sasl.mechanism.inter.broker.protocol').toUpperCase();
  if (usesSasl(protocol) && !MECHANISMS.includes(mechanism)) {
    throw new ConfigError(
      'sasl.mechanism.inter.broker.protocol',
      `the inter-broker listener ${listener.name} is ${protocol}, and samsa's brokers authenticate to each other with ${MECHANISMS.join(', ')}, not ${mechanism}`,
    );
  }
  const jaasKey = `${mechanism.toLowerCase()}.sasl.jaas.config`;
  const settings: ClientSecuritySettings = {
    'security.protocol': protocol,
    'sasl.mechanism': mechanism,
    'sasl.jaas.config': usesSasl(protocol) ? value(jaasKey) : '',
    'sasl.username': '',
    'sasl.password': '',
    'ssl.truststore.type': value('ssl.truststore.type'),
    'ssl.truststore.location': value('ssl.truststore.location'),
    'ssl.truststore.password': value('ssl.truststore.password'),
    'ssl.truststore.certificates': value('ssl.truststore.certificates'),
    'ssl.keystore.type': value('ssl.keystore.type'),
    'ssl.keystore.location': value('ssl.keystore.location'),
    'ssl.keystore.password': value('ssl.keystore.password'),
    'ssl.keystore.key': value('ssl.keystore.key'),
    'ssl.keystore.certificate.chain': value('ssl.keystore.certificate.chain'),
    'ssl.key.password': value('ssl.key.password'),
    'ssl.endpoint.identification.algorithm': value('ssl.endpoint.identification.algorithm'),
  };
  try {
    return resolveClientSecurity(settings);
  } catch (e) {
    if (!(e instanceof ClientConfigError)) throw e;
    // The key the user set (broker-wide or for the listener) that the client's message names.
    const named = /^(ssl\.[a-z.]+|sasl\.jaas\.config)/.exec(e.message)?.[1];
    const clientKey = named === undefined || named === 'sasl.jaas.config' ? jaasKey : named;
    const key = config.listenerValue(listener.name, clientKey)?.key ?? config.listenerKey(listener.name, clientKey);
    throw new ConfigError(key, `the inter-broker listener ${listener.name} is ${protocol}, and brokers connect to each other as its clients: ${e.message}`);
  }
}
