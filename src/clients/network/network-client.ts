import type { MessageSchema } from '../../protocol/schema/schema.js';
import type { ApiDef, RequestBody } from './apis.js';
import { BrokerConnection, type RequestOptions, type ResponseOf } from './broker-connection.js';
import { type ClientSecurity, resolveClientSecurity } from './client-security.js';
import { type CommonClientConfig, parseAddress } from './config.js';
import { NetworkError } from './errors.js';
import { Metadata } from './metadata.js';

export interface NetworkClientOptions {
  /** max.in.flight.requests.per.connection (the producer's setting; consumers and admin use Kafka's 100). */
  readonly maxInFlight?: number;
  /** Whether Metadata requests may create topics (allow.auto.create.topics). */
  readonly allowAutoTopicCreation?: boolean;
  /** Metadata for every topic rather than the ones added (admin). */
  readonly allTopics?: boolean;
}

interface NodeHealth {
  failures: number;
  blockedUntilMs: number;
}

/**
 * The connections of one client (Kafka's NetworkClient): one per broker node,
 * opened on first use, reconnecting with exponential backoff
 * (reconnect.backoff.ms → reconnect.backoff.max.ms), closed when idle longer
 * than connections.max.idle.ms. Before the first metadata, the
 * bootstrap.servers are nodes -1, -2, …; when no known broker can be reached
 * they are tried again (rebootstrap).
 */
export class NetworkClient {
  readonly metadata: Metadata;
  readonly clientId: string;
  /** TLS and SASL as security.protocol asks, key material read once. */
  readonly security: ClientSecurity;
  private readonly connections = new Map<number, BrokerConnection>();
  private readonly health = new Map<number, NodeHealth>();
  private readonly bootstrap: ReadonlyArray<{ id: number; host: string; port: number }>;
  private readonly stateListeners = new Set<(nodeId: number, ready: boolean) => void>();
  private readonly idleTimer?: NodeJS.Timeout;
  private closed = false;
  private roundRobin = 0;

  constructor(
    readonly config: CommonClientConfig,
    private readonly options: NetworkClientOptions = {},
  ) {
    this.clientId = config['client.id'];
    this.security = resolveClientSecurity(config);
    this.bootstrap = config['bootstrap.servers'].map((address, i) => ({ id: -(i + 1), ...parseAddress(address) }));
    this.metadata = new Metadata(this, {
      maxAgeMs: config['metadata.max.age.ms'],
      retryBackoffMs: config['retry.backoff.ms'],
      allowAutoTopicCreation: options.allowAutoTopicCreation ?? true,
      allTopics: options.allTopics,
    });
    const idleMs = config['connections.max.idle.ms'];
    if (idleMs > 0) {
      this.idleTimer = setInterval(() => this.closeIdle(idleMs), Math.max(100, Math.min(idleMs, 10_000)));
      this.idleTimer.unref();
    }
  }

  /** Called with (node, true) when a connection becomes ready and (node, false) when one closes. */
  onStateChange(listener: (nodeId: number, ready: boolean) => void): () => void {
    this.stateListeners.add(listener);
    return () => this.stateListeners.delete(listener);
  }

  private address(nodeId: number): { host: string; port: number } | undefined {
    return this.metadata.cluster.node(nodeId) ?? this.bootstrap.find((b) => b.id === nodeId);
  }

  /** The connection to a node, opened (asynchronously) if there is none. */
  connection(nodeId: number): BrokerConnection {
    if (this.closed) throw new NetworkError('the client is closed');
    const existing = this.connections.get(nodeId);
    if (existing && existing.state !== 'closed') return existing;
    const address = this.address(nodeId);
    if (!address) throw new NetworkError(`node ${nodeId} is not in the cluster metadata`);
    const c = this.config;
    const health = this.health.get(nodeId);
    const connection = new BrokerConnection(nodeId, address.host, address.port, {
      clientId: this.clientId,
      requestTimeoutMs: c['request.timeout.ms'],
      connectTimeoutMs: c['socket.connection.setup.timeout.ms'],
      maxInFlight: this.options.maxInFlight ?? 100,
      sendBufferBytes: c['send.buffer.bytes'],
      receiveBufferBytes: c['receive.buffer.bytes'],
      security: this.security,
      connectDelayMs: health ? Math.max(0, health.blockedUntilMs - Date.now()) : 0,
    });
    connection.onClose = (error) => this.onClosed(connection, error);
    this.connections.set(nodeId, connection);
    connection.connect().then(
      () => {
        this.health.delete(nodeId);
        for (const l of this.stateListeners) l(nodeId, true);
      },
      () => undefined,
    );
    return connection;
  }

  private onClosed(connection: BrokerConnection, error: Error | undefined): void {
    if (this.connections.get(connection.nodeId) === connection) this.connections.delete(connection.nodeId);
    if (error && !this.closed) {
      // Exponential reconnect backoff with ±20% jitter, as Kafka's ClusterConnectionStates.
      const health = this.health.get(connection.nodeId) ?? { failures: 0, blockedUntilMs: 0 };
      const base = this.config['reconnect.backoff.ms'] * 2 ** health.failures;
      const backoff = Math.min(base, this.config['reconnect.backoff.max.ms']) * (0.8 + Math.random() * 0.4);
      health.failures++;
      health.blockedUntilMs = Date.now() + backoff;
      this.health.set(connection.nodeId, health);
      // A broken connection may mean moved leaders.
      this.metadata.requestUpdate();
    }
    for (const l of this.stateListeners) l(connection.nodeId, false);
  }

  /** Connected, handshake done and below the in-flight cap. */
  isReady(nodeId: number): boolean {
    const c = this.connections.get(nodeId);
    return c?.canSendMore() ?? false;
  }

  /** Whether a node may be connected to now (not waiting out a reconnect backoff). */
  canConnect(nodeId: number, now = Date.now()): boolean {
    const h = this.health.get(nodeId);
    return !h || h.blockedUntilMs <= now;
  }

  /** Opens the connection if needed; resolves once it is ready. */
  async ready(nodeId: number): Promise<BrokerConnection> {
    const connection = this.connection(nodeId);
    await connection.connect();
    return connection;
  }

  /** Sends a request to a node (connecting first if needed) and resolves to the response body. */
  send<Req extends MessageSchema, Res extends MessageSchema, O extends RequestOptions = Record<never, never>>(
    nodeId: number,
    api: ApiDef<Req, Res>,
    body: RequestBody<Req>,
    options?: O,
  ): Promise<NoInfer<ResponseOf<Res, O>>> {
    let connection: BrokerConnection;
    try {
      connection = this.connection(nodeId);
    } catch (e) {
      return Promise.reject(e);
    }
    return connection.request(api, body, options);
  }

  /** Requests in flight or queued on a node's connection. */
  inFlightCount(nodeId: number): number {
    return this.connections.get(nodeId)?.load ?? 0;
  }

  /**
   * The node with the fewest requests in flight (Kafka's leastLoadedNode):
   * an idle ready connection wins at once, then the least loaded ready one,
   * then one that is connecting, then any node not in reconnect backoff —
   * starting at a rotating offset so load spreads. Falls back to the
   * bootstrap servers when no known broker qualifies; undefined when
   * nothing does.
   */
  leastLoadedNode(): number | undefined {
    const now = Date.now();
    const known = [...this.metadata.cluster.nodes.keys()];
    const pick = (ids: number[]): number | undefined => {
      let best: number | undefined;
      let bestLoad = Infinity;
      let connecting: number | undefined;
      let fresh: number | undefined;
      const offset = this.roundRobin++ % Math.max(1, ids.length);
      for (let i = 0; i < ids.length; i++) {
        const id = ids[(offset + i) % ids.length]!;
        const c = this.connections.get(id);
        if (c?.isReady) {
          if (c.load === 0) return id;
          if (c.load < bestLoad) {
            best = id;
            bestLoad = c.load;
          }
        } else if (c && c.state !== 'closed') connecting ??= id;
        else if (this.canConnect(id, now)) fresh ??= id;
      }
      return best ?? connecting ?? fresh;
    };
    return pick(known) ?? pick(this.bootstrap.map((b) => b.id)) ?? (known.length === 0 ? this.bootstrap[0]?.id : undefined);
  }

  private closeIdle(idleMs: number): void {
    const now = Date.now();
    for (const c of this.connections.values()) {
      if (c.isReady && c.load === 0 && now - c.lastActiveMs > idleMs) c.close();
    }
  }

  /** Closes every connection; pending requests fail with a NetworkError. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.idleTimer) clearInterval(this.idleTimer);
    this.metadata.close();
    for (const c of [...this.connections.values()]) c.close();
    this.connections.clear();
  }
}
