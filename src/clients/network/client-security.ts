import { readFileSync } from 'node:fs';
import type { ConnectionOptions as TlsConnectionOptions } from 'node:tls';
import { parseJaasConfig } from '../../protocol/sasl/jaas-config.js';
import type { ClientSecuritySettings } from './config.js';
import { ClientConfigError } from './errors.js';

export interface SaslCredentials {
  readonly mechanism: 'PLAIN' | 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  readonly username: string;
  readonly password: string;
}

/** How a connection secures itself: TLS options (undefined: plain TCP) and SASL credentials (undefined: none). */
export interface ClientSecurity {
  readonly tls?: TlsConnectionOptions;
  readonly sasl?: SaslCredentials;
}

/** Reads the key material and credentials the settings name, once per client; a problem is a ClientConfigError naming the setting. */
export function resolveClientSecurity(c: ClientSecuritySettings): ClientSecurity {
  const protocol = c['security.protocol'];
  const out: { tls?: TlsConnectionOptions; sasl?: SaslCredentials } = {};
  if (protocol === 'SSL' || protocol === 'SASL_SSL') out.tls = tlsOptions(c);
  if (protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL') out.sasl = saslCredentials(c);
  return out;
}

function tlsOptions(c: ClientSecuritySettings): TlsConnectionOptions {
  const options: TlsConnectionOptions = {};
  if (c['ssl.truststore.certificates']) options.ca = c['ssl.truststore.certificates'];
  else if (c['ssl.truststore.location']) {
    if (c['ssl.truststore.type'].toUpperCase() !== 'PEM')
      throw new ClientConfigError(`ssl.truststore.type ${c['ssl.truststore.type']} cannot be read; use PEM`);
    options.ca = readSetting(c, 'ssl.truststore.location');
  }
  const passphrase = c['ssl.key.password'] || undefined;
  if (c['ssl.keystore.key']) {
    options.key = [{ pem: c['ssl.keystore.key'], passphrase }];
    options.cert = c['ssl.keystore.certificate.chain'];
  } else if (c['ssl.keystore.location']) {
    const type = c['ssl.keystore.type'].toUpperCase();
    if (type === 'PKCS12') options.pfx = [{ buf: readFileSync(c['ssl.keystore.location']), passphrase: c['ssl.keystore.password'] || passphrase }];
    else if (type === 'PEM') {
      const pem = readSetting(c, 'ssl.keystore.location');
      options.key = [{ pem, passphrase }];
      options.cert = pem;
    } else throw new ClientConfigError(`ssl.keystore.type ${type} cannot be read; use PEM or PKCS12`);
  }
  // An empty ssl.endpoint.identification.algorithm turns off the host name check, as in Kafka.
  if (c['ssl.endpoint.identification.algorithm'] === '') options.checkServerIdentity = () => undefined;
  return options;
}

function readSetting(c: ClientSecuritySettings, key: 'ssl.truststore.location' | 'ssl.keystore.location'): string {
  try {
    return readFileSync(c[key], 'utf8');
  } catch (e) {
    throw new ClientConfigError(`${key}: cannot read ${c[key]}: ${(e as Error).message}`);
  }
}

function saslCredentials(c: ClientSecuritySettings): SaslCredentials {
  const mechanism = c['sasl.mechanism'];
  if (mechanism !== 'PLAIN' && mechanism !== 'SCRAM-SHA-256' && mechanism !== 'SCRAM-SHA-512') {
    throw new ClientConfigError(`sasl.mechanism ${mechanism} is not supported by samsa's clients; use PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512`);
  }
  let username = c['sasl.username'];
  let password = c['sasl.password'];
  if (c['sasl.jaas.config']) {
    let options: ReadonlyMap<string, string> | undefined;
    try {
      options = parseJaasConfig(c['sasl.jaas.config'])[0]?.options;
    } catch (e) {
      throw new ClientConfigError(`sasl.jaas.config: ${(e as Error).message}`);
    }
    username = options?.get('username') ?? username;
    password = options?.get('password') ?? password;
  }
  if (!username || !password)
    throw new ClientConfigError(
      `SASL ${mechanism} needs a username and password: set sasl.jaas.config (… required username="…" password="…";) or sasl.username and sasl.password`,
    );
  return { mechanism, username, password };
}
