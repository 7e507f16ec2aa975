import type { ConfigKey } from '../../../storage/config/config-def.js';

/**
 * The broker's security settings, Kafka's names and defaults. Each of these
 * may also be set for one listener as `listener.name.<listener>.<key>`
 * (the listener's name in lower case), which wins over the broker-wide value.
 */
export const SECURITY_CONFIG_KEYS: readonly ConfigKey[] = [
  {
    name: 'listener.security.protocol.map',
    type: 'list',
    defaultValue: 'PLAINTEXT:PLAINTEXT,SSL:SSL,SASL_PLAINTEXT:SASL_PLAINTEXT,SASL_SSL:SASL_SSL',
    doc: 'listener name → security protocol (PLAINTEXT, SSL, SASL_PLAINTEXT, SASL_SSL)',
  },
  {
    name: 'security.inter.broker.protocol',
    type: 'string',
    defaultValue: 'PLAINTEXT',
    oneOf: ['PLAINTEXT', 'SSL', 'SASL_PLAINTEXT', 'SASL_SSL'],
    doc: 'the security protocol brokers use between them when inter.broker.listener.name is unset (the listener named after it)',
  },
  { name: 'sasl.mechanism.inter.broker.protocol', type: 'string', defaultValue: 'GSSAPI', doc: 'the SASL mechanism brokers use between them' },
  {
    name: 'ssl.keystore.type',
    type: 'string',
    defaultValue: 'JKS',
    doc: 'PEM or PKCS12 (JKS cannot be read by samsa: convert it with keytool -importkeystore -deststoretype PKCS12)',
  },
  {
    name: 'ssl.keystore.location',
    type: 'string',
    defaultValue: '',
    doc: 'the key store: a PEM file with the private key and certificate chain, or a PKCS12 file',
  },
  { name: 'ssl.keystore.password', type: 'password', defaultValue: '', doc: 'the password of a PKCS12 key store' },
  { name: 'ssl.key.password', type: 'password', defaultValue: '', doc: 'the password of the private key (an encrypted PEM key)' },
  { name: 'ssl.keystore.key', type: 'password', defaultValue: '', doc: 'the private key in PEM, inline (with ssl.keystore.certificate.chain; KIP-651)' },
  { name: 'ssl.keystore.certificate.chain', type: 'password', defaultValue: '', doc: 'the certificate chain in PEM, inline (KIP-651)' },
  { name: 'ssl.truststore.type', type: 'string', defaultValue: 'JKS', doc: 'PEM (JKS and PKCS12 trust stores cannot be read by samsa)' },
  { name: 'ssl.truststore.location', type: 'string', defaultValue: '', doc: "a PEM file of the CA certificates clients' certificates are checked against" },
  { name: 'ssl.truststore.password', type: 'password', defaultValue: '', doc: 'accepted for compatibility: PEM trust stores have no password' },
  { name: 'ssl.truststore.certificates', type: 'password', defaultValue: '', doc: 'the trusted CA certificates in PEM, inline (KIP-651)' },
  {
    name: 'ssl.client.auth',
    type: 'string',
    defaultValue: 'none',
    oneOf: ['none', 'requested', 'required'],
    doc: 'whether clients must present a certificate the trust store trusts',
  },
  { name: 'ssl.enabled.protocols', type: 'list', defaultValue: 'TLSv1.2,TLSv1.3', doc: 'the TLS versions accepted' },
  { name: 'ssl.protocol', type: 'string', defaultValue: 'TLSv1.3', doc: 'accepted for compatibility: ssl.enabled.protocols decides' },
  {
    name: 'ssl.cipher.suites',
    type: 'list',
    defaultValue: '',
    doc: "the cipher suites accepted (IANA names as Java takes them, or OpenSSL names); all of OpenSSL's defaults when empty",
  },
  {
    name: 'ssl.principal.mapping.rules',
    type: 'string',
    defaultValue: 'DEFAULT',
    doc: "rules turning a client certificate's distinguished name into a user name (RULE:pattern/replacement/[LU], DEFAULT)",
  },
  {
    name: 'ssl.endpoint.identification.algorithm',
    type: 'string',
    defaultValue: 'https',
    doc: "how a broker checks another's host name on inter-broker TLS connections (https: against its certificate; empty: not at all)",
  },
  {
    name: 'sasl.enabled.mechanisms',
    type: 'list',
    defaultValue: 'GSSAPI',
    doc: 'the SASL mechanisms a SASL listener offers: PLAIN, SCRAM-SHA-256, SCRAM-SHA-512',
  },
  { name: 'sasl.server.max.receive.size', type: 'int', defaultValue: '524288', min: 1, doc: 'the largest frame a client may send before it has authenticated' },
  {
    name: 'connection.failed.authentication.delay.ms',
    type: 'int',
    defaultValue: '100',
    min: 0,
    doc: 'how long a failed authentication waits before its answer and the close, against brute force',
  },
  {
    name: 'connections.max.reauth.ms',
    type: 'long',
    defaultValue: '0',
    min: 0,
    doc: 'how long an authenticated SASL session lasts (KIP-368): clients that can re-authenticate on the connection before it ends; a request after it closes the connection (0: sessions never end)',
  },
];

const PASSWORD_CONFIG =
  /(^|\.)(ssl\.keystore\.password|ssl\.key\.password|ssl\.truststore\.password|ssl\.keystore\.key|ssl\.keystore\.certificate\.chain|ssl\.truststore\.certificates|sasl\.jaas\.config|password\.encoder\.secret|password\.encoder\.old\.secret)$/;

/**
 * Settings whose values DescribeConfigs never shows and logs never print: Kafka's PASSWORD-type
 * configs, under their own names or a listener's prefix. Set dynamically, they are the ones
 * stored encrypted with password.encoder.secret (Kafka's DynamicBrokerConfig.isPasswordConfig).
 */
export function isSensitiveConfig(name: string): boolean {
  return PASSWORD_CONFIG.test(name);
}

export const LISTENER_PREFIX = 'listener.name.';
