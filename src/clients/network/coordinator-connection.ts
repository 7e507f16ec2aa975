import { BrokerConnection } from './broker-connection.js';
import type { NetworkClient } from './network-client.js';

/**
 * A connection to a group coordinator kept apart from the client's other
 * connection to the same broker, as Kafka's clients do (the coordinator is
 * node Integer.MAX_VALUE − id there): a JoinGroup the broker holds for a whole
 * rebalance, or a commit, never waits behind a long-polling Fetch, and a
 * Fetch never waits behind them. Uses the client's settings; the caller
 * closes it.
 */
export function openCoordinatorConnection(
  client: NetworkClient,
  node: { readonly id: number; readonly host: string; readonly port: number },
): BrokerConnection {
  const c = client.config;
  const connection = new BrokerConnection(2147483647 - node.id, node.host, node.port, {
    clientId: client.clientId,
    requestTimeoutMs: c['request.timeout.ms'],
    connectTimeoutMs: c['socket.connection.setup.timeout.ms'],
    maxInFlight: 100,
    sendBufferBytes: c['send.buffer.bytes'],
    receiveBufferBytes: c['receive.buffer.bytes'],
    security: client.security,
  });
  connection.connect().catch(() => undefined);
  return connection;
}
