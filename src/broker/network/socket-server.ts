import { createServer, type Server, type Socket } from 'node:net';
import { Connection } from './connection.js';
import { ResponseMemory, type ResponseAllowance } from './response-memory.js';
import { sharedBufferPool } from '../../../storage/backend/buffer-pool.js';
import type { BrokerLog } from '../broker-log.js';

export interface SocketServerOptions {
  host: string;
  port: number;
  maxRequestBytes: number;
  maxInFlight: number;
  /** connections.max.idle.ms: connections with no reads or writes for this long are closed (unless a request is still being answered). */
  connectionsMaxIdleMs: number;
  /** queued.max.response.bytes: response bytes held in memory by all connections together. */
  maxResponseBytes: number;
  handle(frame: Buffer, clientAddress: string, allowance: ResponseAllowance): Promise<Buffer[] | null>;
  log: BrokerLog;
}

const MAX_PENDING_WRITE_BYTES = 64 * 1024 * 1024;

/** The TCP listener: accepts connections and closes idle ones. */
export class SocketServer {
  private readonly server: Server;
  private readonly connections = new Set<Connection>();
  private readonly responseMemory: ResponseMemory;
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: SocketServerOptions) {
    this.responseMemory = new ResponseMemory(options.maxResponseBytes);
    this.server = createServer((socket) => this.accept(socket));
  }

  get connectionCount(): number {
    return this.connections.size;
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
    const connection = new Connection(socket, {
      maxRequestBytes: this.options.maxRequestBytes,
      maxInFlight: this.options.maxInFlight,
      maxPendingWriteBytes: MAX_PENDING_WRITE_BYTES,
      brokerResponseMemory: this.responseMemory,
      handle: this.options.handle,
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
