import { hostname } from 'node:os';
import type { BrokerConfig, Listener } from '../broker-config.js';
import type { BrokerEndpoint } from '../broker-context.js';
import type { BrokerLog } from '../broker-log.js';
import type { ListenerSecurity, RequestHandler } from '../security/listener-security.js';
import { tlsServerOptions } from '../security/tls-server-options.js';
import type { ResponseMemory } from './response-memory.js';
import { SocketServer } from './socket-server.js';

export interface BrokerListenersOptions {
  brokerId: number;
  /** The broker-wide settings every listener's connections share (socket.request.max.bytes, queued.max.requests, connections.max.idle.ms). */
  config: BrokerConfig;
  responseMemory: ResponseMemory;
  /** What answers the requests of authenticated connections. */
  apis: () => RequestHandler;
  /** The security of a listener as `config` has it; throws ConfigError naming the key that keeps it from starting. */
  security(config: BrokerConfig, listener: Listener): ListenerSecurity;
  log: BrokerLog;
}

/** An advertised listener with the host and port clients are given. */
export interface AdvertisedListener {
  name: string;
  securityProtocol: string;
  host: string;
  port: number;
}

interface RunningListener {
  listener: Listener;
  security: ListenerSecurity;
  server: SocketServer;
  port: number;
}

/**
 * The broker's listeners as they run: a socket server per listener, with its
 * bound port, and the endpoints the broker advertises. They start from the
 * settings in effect at start and follow `listeners` and
 * `advertised.listeners` changed while the broker runs (Kafka's
 * SocketServer.addListeners / removeListeners): a listener added starts
 * accepting, one removed stops and closes its connections. Changes run one
 * after another.
 */
export class BrokerListeners {
  private readonly running = new Map<string, RunningListener>();
  private advertised: AdvertisedListener[] = [];
  private changes: Promise<unknown> = Promise.resolve();
  /** Removed listeners whose connections are still finishing their requests. */
  private readonly closing = new Set<Promise<void>>();

  constructor(private readonly options: BrokerListenersOptions) {}

  /**
   * Starts every listener of `config`. `prepared` holds securities already
   * settled for listeners of server.properties, used when `config` (with the
   * dynamic layers) cannot secure one; a listener only the dynamic configs
   * name is left out, with a warning, when it cannot start.
   */
  async start(config: BrokerConfig, prepared: ReadonlyMap<string, ListenerSecurity>): Promise<void> {
    for (const listener of config.listeners) {
      let security: ListenerSecurity;
      try {
        security = this.secure(config, listener);
      } catch (e) {
        const fallback = prepared.get(listener.name);
        if (!fallback) {
          this.options.log('warn', `listener ${listener.name}, set dynamically, does not start: ${(e as Error).message}`);
          continue;
        }
        this.options.log('warn', `listener ${listener.name} keeps the security of server.properties: ${(e as Error).message}`);
        security = fallback;
      }
      await this.listen(listener, security);
    }
    this.advertise(config);
  }

  /**
   * Follows `config`'s listeners: those gone stop, new ones start, and the
   * advertised endpoints are worked out again. Resolves whether those
   * changed (a cluster broker then registers them anew). A listener that
   * cannot bind is logged and left out.
   */
  reconfigure(config: BrokerConfig): Promise<boolean> {
    const run = this.changes.then(() => this.reconfigureNow(config));
    this.changes = run.catch(() => {});
    return run;
  }

  private async reconfigureNow(config: BrokerConfig): Promise<boolean> {
    const wanted = new Set(config.listeners.map((l) => l.name));
    for (const [name, running] of [...this.running]) {
      if (wanted.has(name)) continue;
      this.running.delete(name);
      this.options.log('info', `listener ${name} removed: it stops accepting and closes its ${running.server.connectionCount} connection(s)`);
      // Not awaited: the alteration removing it may have come over it, and its connections wait for their answers.
      const closed = running.server.close().finally(() => this.closing.delete(closed));
      this.closing.add(closed);
    }
    for (const listener of config.listeners) {
      if (this.running.has(listener.name)) continue;
      try {
        const port = await this.listen(listener, this.secure(config, listener));
        this.options.log('info', `listener ${listener.name} (${listener.securityProtocol}) added on ${listener.host || '*'}:${port}`);
      } catch (e) {
        this.options.log('error', `listener ${listener.name} could not start: ${(e as Error).message}`);
      }
    }
    const before = JSON.stringify(this.advertised);
    this.advertise(config);
    return JSON.stringify(this.advertised) !== before;
  }

  /** The security `listener` has under `config`; throws ConfigError naming the key that keeps it from starting (a new listener without a key store). */
  secure(config: BrokerConfig, listener: Listener): ListenerSecurity {
    return this.options.security(config, listener);
  }

  /** Gives the running TLS listeners `config`'s key and trust stores for new sessions; `names` limits it to some listeners. */
  reloadKeyStores(config: BrokerConfig, names: ReadonlySet<string>): void {
    for (const { listener, security, server } of this.running.values()) {
      if (!security.tls || !names.has(listener.name)) continue;
      try {
        server.setSecureContext(tlsServerOptions(config, listener.name));
      } catch (e) {
        this.options.log('warn', `listener ${listener.name} keeps its key stores: ${(e as Error).message}`);
      }
    }
  }

  /** The listeners running now. */
  listeners(): Listener[] {
    return [...this.running.values()].map((r) => r.listener);
  }

  /** Each running listener's bound port (the configured one, or the kernel's choice for port 0), by name. */
  get ports(): ReadonlyMap<string, number> {
    return new Map([...this.running].map(([name, r]) => [name, r.port]));
  }

  servers(): SocketServer[] {
    return [...this.running.values()].map((r) => r.server);
  }

  /** What the broker advertises, in advertised.listeners' order. */
  advertisedListeners(): readonly AdvertisedListener[] {
    return this.advertised;
  }

  /** This broker as a client on `listenerName` should reach it (the first advertised listener's endpoint for another name). */
  endpoint(listenerName: string | undefined): BrokerEndpoint {
    const a = this.advertised.find((e) => e.name === listenerName) ?? this.advertised[0];
    return { nodeId: this.options.brokerId, host: a?.host ?? '', port: a?.port ?? 0, rack: null };
  }

  /** Stops every listener, letting each connection finish the requests it has. */
  async close(): Promise<void> {
    await this.changes;
    const servers = this.servers();
    this.running.clear();
    await Promise.all([...servers.map((s) => s.close()), ...this.closing]);
  }

  private async listen(listener: Listener, security: ListenerSecurity): Promise<number> {
    const { config } = this.options;
    const server = new SocketServer({
      name: listener.name,
      host: listener.host,
      port: listener.port,
      tls: security.tls,
      maxRequestBytes: config.int('socket.request.max.bytes'),
      maxInFlight: config.int('queued.max.requests'),
      connectionsMaxIdleMs: config.int('connections.max.idle.ms'),
      responseMemory: this.options.responseMemory,
      openConnection: (socket) => security.openConnection(socket, this.options.apis()),
      log: this.options.log,
    });
    let port: number;
    try {
      port = await server.listen();
    } catch (e) {
      await server.close();
      throw e;
    }
    this.running.set(listener.name, { listener, security, server, port });
    return port;
  }

  /** The advertised endpoints of running listeners: an empty or wildcard host is the host name; port 0, or the listener's own, is the bound port. */
  private advertise(config: BrokerConfig): void {
    this.advertised = config.advertisedListeners.flatMap((a) => {
      const running = this.running.get(a.name);
      if (!running) return [];
      const host = a.host === '' || a.host === '0.0.0.0' || a.host === '::' ? hostname() : a.host;
      const port = a.port === 0 || a.port === running.listener.port || a.port === config.listeners.find((l) => l.name === a.name)?.port ? running.port : a.port;
      return [{ name: a.name, securityProtocol: a.securityProtocol, host, port }];
    });
  }
}
