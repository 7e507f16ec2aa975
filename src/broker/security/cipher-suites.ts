import { ConfigError } from '../../../storage/config/config-error.js';

/**
 * ssl.cipher.suites as Java names them (IANA: TLS_ECDHE_RSA_WITH_AES_128_GCM_SHA256)
 * turned into OpenSSL's names (ECDHE-RSA-AES128-GCM-SHA256), which node:tls
 * takes. TLS 1.3 suites keep their names; OpenSSL names pass through.
 */
export function opensslCipherList(suites: readonly string[], key: string): string {
  return suites.map((s) => opensslCipherName(s, key)).join(':');
}

function opensslCipherName(suite: string, key: string): string {
  if (!suite.startsWith('TLS_')) return suite; // an OpenSSL name already
  if (!suite.includes('_WITH_')) return suite; // TLS 1.3: TLS_AES_128_GCM_SHA256
  const m = /^TLS_(.+)_WITH_(AES_(128|256)_(GCM|CBC|CCM)|CHACHA20_POLY1305)_(SHA|SHA256|SHA384)$/.exec(suite);
  if (!m) throw new ConfigError(key, `cipher suite ${suite} has no OpenSSL equivalent samsa knows; give its OpenSSL name`);
  const exchange = m[1]!.replace(/_/g, '-'); // ECDHE_RSA → ECDHE-RSA, RSA stays (and is left out below)
  const prefix = exchange === 'RSA' ? '' : `${exchange}-`;
  if (m[2] === 'CHACHA20_POLY1305') return `${prefix}CHACHA20-POLY1305`;
  const bits = m[3]!;
  const mode = m[4]!;
  const mac = m[5]!;
  if (mode === 'GCM') return `${prefix}AES${bits}-GCM-${mac}`;
  if (mode === 'CCM') return `${prefix}AES${bits}-CCM`;
  return mac === 'SHA' ? `${prefix}AES${bits}-SHA` : `${prefix}AES${bits}-${mac}`;
}
