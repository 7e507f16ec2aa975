import type { SecurityProtocol } from './security-protocol.js';

/** Kafka's KafkaPrincipal: who a connection authenticated as, `User:alice`. */
export interface KafkaPrincipal {
  readonly principalType: string;
  readonly name: string;
}

/** A connection that proved nothing (PLAINTEXT, or TLS without a client certificate). */
export const ANONYMOUS: KafkaPrincipal = { principalType: 'User', name: 'ANONYMOUS' };

export function userPrincipal(name: string): KafkaPrincipal {
  return { principalType: 'User', name };
}

export function formatPrincipal(p: KafkaPrincipal): string {
  return `${p.principalType}:${p.name}`;
}

/** What requests on one connection know of it: the listener it came in on and who the client is. */
export interface ConnectionSession {
  readonly listenerName: string;
  readonly securityProtocol: SecurityProtocol;
  readonly principal: KafkaPrincipal;
}
