import { BrokerConnection } from '../clients/network/broker-connection.js';
import type { ClientSecurity } from '../clients/network/client-security.js';

/**
 * A connection from this broker to another (or to itself): the controller's
 * requests, the transaction coordinator's markers and verifications. A
 * request unanswered within `requestTimeoutMs` closes it, as does a connect
 * taking that long; the socket buffers are the system's. `security` is the
 * inter-broker listener's TLS and SASL (interBrokerSecurity), plain TCP without.
 */
export function interBrokerConnection(
  brokerId: number,
  endpoint: { readonly host: string; readonly port: number },
  clientId: string,
  requestTimeoutMs: number,
  maxInFlight = 1,
  security?: ClientSecurity,
): BrokerConnection {
  return new BrokerConnection(brokerId, endpoint.host, endpoint.port, {
    clientId,
    requestTimeoutMs,
    connectTimeoutMs: requestTimeoutMs,
    maxInFlight,
    sendBufferBytes: -1,
    receiveBufferBytes: -1,
    security,
  });
}
