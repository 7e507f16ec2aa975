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

export interface InterBrokerConnectionsOptions {
  clientId: string;
  requestTimeoutMs: number;
  maxInFlight: number;
  /** The inter-broker listener's TLS and SASL (plain TCP without). */
  security?: ClientSecurity;
}

/**
 * One connection per other broker, kept between requests: opened on first
 * use, and opened again once it closed (a failure, a timeout) or the broker
 * moved to another endpoint.
 */
export class InterBrokerConnections {
  private readonly connections = new Map<number, BrokerConnection>();
  private closed = false;

  constructor(private readonly options: InterBrokerConnectionsOptions) {}

  /** The connection to `brokerId` at `endpoint`; undefined once close() was called. */
  get(brokerId: number, endpoint: { readonly host: string; readonly port: number }): BrokerConnection | undefined {
    if (this.closed) return undefined;
    let connection = this.connections.get(brokerId);
    if (connection && (connection.state === 'closed' || connection.address !== `${endpoint.host}:${endpoint.port}`)) {
      connection.close();
      connection = undefined;
    }
    if (!connection) {
      const { clientId, requestTimeoutMs, maxInFlight, security } = this.options;
      connection = interBrokerConnection(brokerId, endpoint, clientId, requestTimeoutMs, maxInFlight, security);
      this.connections.set(brokerId, connection);
    }
    return connection;
  }

  close(): void {
    this.closed = true;
    for (const c of this.connections.values()) c.close();
    this.connections.clear();
  }
}
