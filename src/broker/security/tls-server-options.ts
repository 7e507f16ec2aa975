import { readFileSync } from 'node:fs';
import { createSecureContext, type SecureVersion, type TlsOptions } from 'node:tls';
import { ConfigError } from '../../../storage/config/config-error.js';
import type { BrokerConfig } from '../broker-config.js';
import { opensslCipherList } from './cipher-suites.js';

const TLS_VERSIONS: readonly SecureVersion[] = ['TLSv1', 'TLSv1.1', 'TLSv1.2', 'TLSv1.3'];

/**
 * The node:tls server options of one SSL or SASL_SSL listener, from Kafka's
 * ssl.* settings (each overridable as listener.name.<listener>.ssl.*). Key
 * material is read and checked now: a listener that cannot have it refuses
 * to start, naming the setting, rather than start without TLS.
 */
export function tlsServerOptions(config: BrokerConfig, listenerName: string): TlsOptions {
  const setting = (key: string) => {
    const found = config.listenerValue(listenerName, key);
    return { value: found ? found.value : '', key: found?.key ?? key };
  };
  const text = (key: string) => {
    const s = setting(key);
    return { value: String(s.value).trim(), key: s.key };
  };
  const options: TlsOptions = { ...keyStore(config, listenerName, text), ...trustStore(text) };
  const clientAuth = text('ssl.client.auth').value;
  // requested: a certificate is asked for and checked when given (the connection is refused if it is not trusted), not required.
  options.requestCert = clientAuth !== 'none';
  options.rejectUnauthorized = clientAuth === 'required';
  const protocols = setting('ssl.enabled.protocols');
  const versions = (protocols.value as string[]).map((p) => {
    const v = TLS_VERSIONS.find((known) => known.toLowerCase() === p.toLowerCase());
    if (!v) throw new ConfigError(protocols.key, `'${p}' is not a TLS version samsa can offer (${TLS_VERSIONS.join(', ')})`);
    return v;
  });
  if (versions.length === 0) throw new ConfigError(protocols.key, 'names no TLS version');
  const order = versions.map((v) => TLS_VERSIONS.indexOf(v)).sort();
  options.minVersion = TLS_VERSIONS[order[0]!]!;
  options.maxVersion = TLS_VERSIONS[order[order.length - 1]!]!;
  const suites = setting('ssl.cipher.suites');
  if ((suites.value as string[]).length > 0) options.ciphers = opensslCipherList(suites.value as string[], suites.key);
  try {
    createSecureContext(options);
  } catch (e) {
    throw new ConfigError(materialKey(config, listenerName, e as Error, text), `listener ${listenerName} cannot use its TLS settings: ${(e as Error).message}`);
  }
  return options;
}

type TextSetting = (key: string) => { value: string; key: string };

function keyStore(config: BrokerConfig, listenerName: string, text: TextSetting): TlsOptions {
  const type = text('ssl.keystore.type');
  const location = text('ssl.keystore.location');
  const inlineKey = text('ssl.keystore.key');
  const keyPassword = text('ssl.key.password').value || undefined;
  switch (type.value.toUpperCase()) {
    case 'PEM': {
      if (inlineKey.value) {
        const chain = text('ssl.keystore.certificate.chain');
        if (!chain.value) throw new ConfigError(chain.key, `listener ${listenerName} has ssl.keystore.key but no certificate chain; set ${chain.key}`);
        if (location.value)
          throw new ConfigError(location.key, `listener ${listenerName} has both an inline key (ssl.keystore.key) and a key store file; set one`);
        return { key: [{ pem: inlineKey.value, passphrase: keyPassword }], cert: chain.value };
      }
      const pem = readMaterial(location, listenerName, 'a key store (a PEM file with the private key and its certificate chain)', config);
      const key = pemBlocks(pem, /PRIVATE KEY/);
      const cert = pemBlocks(pem, /^CERTIFICATE$/);
      if (key.length !== 1)
        throw new ConfigError(location.key, `${location.value} holds ${key.length} private keys; a PEM key store holds one, with its certificate chain`);
      if (cert.length === 0)
        throw new ConfigError(location.key, `${location.value} holds no certificate; a PEM key store holds the private key and its certificate chain`);
      return { key: [{ pem: key[0]!, passphrase: keyPassword }], cert: cert.join('\n') };
    }
    case 'PKCS12': {
      const pfx = readMaterial(location, listenerName, 'a PKCS12 key store', config, null);
      return { pfx: [{ buf: pfx, passphrase: text('ssl.keystore.password').value || keyPassword }] };
    }
    default:
      throw new ConfigError(
        type.key,
        `listener ${listenerName}: key stores of type ${type.value} cannot be read by samsa; set ${type.key}=PEM (or PKCS12) with ssl.keystore.location, or ssl.keystore.key and ssl.keystore.certificate.chain`,
      );
  }
}

function trustStore(text: TextSetting): TlsOptions {
  const type = text('ssl.truststore.type');
  const location = text('ssl.truststore.location');
  const inline = text('ssl.truststore.certificates');
  if (!location.value && !inline.value) return {}; // the system's CAs, as Java falls back to its own
  if (type.value.toUpperCase() !== 'PEM') throw new ConfigError(type.key, `trust stores of type ${type.value} cannot be read by samsa; set ${type.key}=PEM`);
  if (inline.value) return { ca: pemBlocks(inline.value, /^CERTIFICATE$/) };
  let pem: string;
  try {
    pem = readFileSync(location.value, 'utf8');
  } catch (e) {
    throw new ConfigError(location.key, `cannot read the trust store ${location.value}: ${(e as Error).message}`);
  }
  const ca = pemBlocks(pem, /^CERTIFICATE$/);
  if (ca.length === 0) throw new ConfigError(location.key, `${location.value} holds no PEM certificate`);
  return { ca };
}

function readMaterial(location: { value: string; key: string }, listenerName: string, what: string, config: BrokerConfig): string;
function readMaterial(location: { value: string; key: string }, listenerName: string, what: string, config: BrokerConfig, encoding: null): Buffer;
function readMaterial(
  location: { value: string; key: string },
  listenerName: string,
  what: string,
  config: BrokerConfig,
  encoding: 'utf8' | null = 'utf8',
): string | Buffer {
  if (!location.value) {
    throw new ConfigError(
      config.listenerKey(listenerName, 'ssl.keystore.location'),
      `listener ${listenerName} uses TLS and needs ${what}: set ssl.keystore.location (or ${config.listenerKey(listenerName, 'ssl.keystore.location')})`,
    );
  }
  try {
    return encoding ? readFileSync(location.value, encoding) : readFileSync(location.value);
  } catch (e) {
    throw new ConfigError(location.key, `cannot read the key store ${location.value}: ${(e as Error).message}`);
  }
}

/** The PEM blocks whose label matches, each whole. */
export function pemBlocks(pem: string, label: RegExp): string[] {
  const out: string[] = [];
  for (const m of pem.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)) if (label.test(m[1]!)) out.push(m[0]);
  return out;
}

/** Which setting a TLS context error is about: a bad password, else the key store. */
function materialKey(config: BrokerConfig, listenerName: string, error: Error, text: TextSetting): string {
  if (/decrypt|passphrase|password|mac verify/i.test(error.message))
    return text(text('ssl.keystore.type').value.toUpperCase() === 'PKCS12' ? 'ssl.keystore.password' : 'ssl.key.password').key;
  if (/cipher/i.test(error.message)) return text('ssl.cipher.suites').key;
  const location = text('ssl.keystore.location');
  return location.value ? location.key : config.listenerKey(listenerName, 'ssl.keystore.key');
}
