import { createServer, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type TLSSocket, type TlsOptions, type Server as TlsServer } from 'node:tls';
import { sharedBufferPool } from '../../../storage/backend/buffer-pool.js';
import type { BrokerLog } from '../broker-log.js';
import { Connection, type FrameHandler } from './connection.js';
import type { ResponseMemory } from './response-memory.js';

export interface SocketServerOptions {
  /** The listener's name, for log lines. */
  name: string;
  host: string;
  port: number;
  /** TLS for SSL and SASL_SSL listeners: every connection is a TLS session or nothing. */
  tls?: TlsOptions;
  maxRequestBytes: number;
  maxInFlight: number;
  /** connections.max.idle.ms: connections with no reads or writes for this long are closed (unless a request is still being answered). */
  connectionsMaxIdleMs: number;
  /** The broker-wide budget of response bytes (queued.max.response.bytes), shared by every listener. */
  responseMemory: ResponseMemory;
  /** What answers a new connection's frames; throwing refuses the connection (a client certificate that is not trusted). */
  openConnection(socket: Socket): FrameHandler;
  log: BrokerLog;
}

const MAX_PENDING_WRITE_BYTES = 64 * 1024 * 1024;

/** One listener: accepts connections (plain TCP, or TLS sessions whose handshake completed) and closes idle ones. */
export class SocketServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SocketServerOptions) {
    if (options.tls) {
      const server = createTlsServer(options.tls, (socket) => this.accept(socket));
      // A client that fails the handshake (no TLS at all, a CA it does not trust, no certificate where one is required) never reaches a Connection.
      server.on('tlsClientError', (error: Error, socket: TLSSocket) => {
        options.log('warn', `Failed authentication with /${socket.remoteAddress ?? '?'} on listener ${options.name} (SSL handshake failed: ${error.message})`);
      });
      this.server = server;
    } else {
      this.server = createServer((socket) => this.accept(socket));
    }
  }

  /** Replaces the key and trust stores new TLS sessions use (a key store changed while the broker runs); open sessions keep theirs. */
  setSecureContext(tls: TlsOptions): void {
    if (!this.options.tls) throw new Error(`listener ${this.options.name} does not use TLS`);
    (this.server as TlsServer).setSecureContext(tls);
  }

  get connectionCount(): number {
    return this.connections.size;
  }

  /** Requests received on this listener's connections and not yet answered (Kafka's request queue, as /metrics shows it). */
  get pendingRequests(): number {
    let n = 0;
    for (const c of this.connections) n += c.pendingRequests;
    return n;
  }

  get name(): string {
    return this.options.name;
  }

  /** Starts listening; resolves with the bound port (useful with port 0). */
  listen(): Promise<number> {
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.options.port, this.options.host || undefined, () => {
        this.server.off('error', reject);
        const address = this.server.address();
        resolve(typeof address === 'object' && address ? address.port : this.options.port);
      });
      const idle = this.options.connectionsMaxIdleMs;
      if (idle > 0) {
        this.idleTimer = setInterval(() => this.closeIdle(), Math.max(10, Math.min(idle / 4, 30_000)));
        this.idleTimer.unref();
      }
    });
  }

  private accept(socket: Socket): void {
    let handler: FrameHandler;
    try {
      handler = this.options.openConnection(socket);
    } catch (e) {
      this.options.log(
        'warn',
        `Failed authentication with /${socket.remoteAddress ?? '?'} on listener ${this.options.name} (${(e as Error).message}); closing the connection`,
      );
      socket.destroy();
      return;
    }
    const connection = new Connection(socket, {
      maxRequestBytes: this.options.maxRequestBytes,
      maxInFlight: this.options.maxInFlight,
      maxPendingWriteBytes: MAX_PENDING_WRITE_BYTES,
      brokerResponseMemory: this.options.responseMemory,
      handler,
      onError: (c, e) => this.options.log('warn', `closing connection from ${c.socket.remoteAddress}:${c.socket.remotePort}: ${e.message}`),
      onClose: (c) => this.connections.delete(c),
      bufferPool: sharedBufferPool,
    });
    this.connections.add(connection);
  }

  private closeIdle(): void {
    const cutoff = Date.now() - this.options.connectionsMaxIdleMs;
    for (const c of this.connections) if (c.idleSince(cutoff)) c.close();
  }

  /** Stops accepting, lets every connection finish the requests it has, then closes them. */
  async close(): Promise<void> {
    if (this.idleTimer) clearInterval(this.idleTimer);
    const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
    for (const c of this.connections) c.socket.pause();
    await Promise.all([...this.connections].map((c) => c.drain()));
    for (const c of this.connections) c.end();
    await closed;
  }
}
