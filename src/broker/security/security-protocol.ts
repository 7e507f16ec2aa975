import { ConfigError } from '../../../storage/config/config-error.js';

/** Kafka's security protocols, with the ids UpdateMetadata and the broker registration carry. */
export const SECURITY_PROTOCOLS = { PLAINTEXT: 0, SSL: 1, SASL_PLAINTEXT: 2, SASL_SSL: 3 } as const;

export type SecurityProtocol = keyof typeof SECURITY_PROTOCOLS;

export function isSecurityProtocol(name: string): name is SecurityProtocol {
  return Object.hasOwn(SECURITY_PROTOCOLS, name);
}

export function usesTls(protocol: SecurityProtocol): boolean {
  return protocol === 'SSL' || protocol === 'SASL_SSL';
}

export function usesSasl(protocol: SecurityProtocol): boolean {
  return protocol === 'SASL_PLAINTEXT' || protocol === 'SASL_SSL';
}

/**
 * listener.security.protocol.map: `NAME:PROTOCOL` pairs, names case-insensitive
 * as Kafka's ListenerName. A protocol samsa does not speak refuses to start:
 * a listener must never fall back to plaintext.
 */
export function parseSecurityProtocolMap(entries: readonly string[]): Map<string, SecurityProtocol> {
  const key = 'listener.security.protocol.map';
  const map = new Map<string, SecurityProtocol>();
  for (const entry of entries) {
    const m = /^([A-Za-z0-9_-]+)\s*:\s*([A-Za-z0-9_]+)$/.exec(entry.trim());
    if (!m) throw new ConfigError(key, `'${entry}' is not a pair like INTERNAL:SASL_SSL`);
    const name = m[1]!.toUpperCase();
    const protocol = m[2]!.toUpperCase();
    if (!isSecurityProtocol(protocol))
      throw new ConfigError(
        key,
        `listener ${name} has security protocol '${m[2]}', which samsa does not support; use one of ${Object.keys(SECURITY_PROTOCOLS).join(', ')}`,
      );
    if (map.has(name)) throw new ConfigError(key, `listener ${name} is mapped twice`);
    map.set(name, protocol);
  }
  return map;
}
