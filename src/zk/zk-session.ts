import type { Socket } from 'node:net';
import type { Client, Exception, Watcher } from 'node-zookeeper-client';
import zookeeper from 'node-zookeeper-client';
import { ZkError, ZooKeeperClientTimeoutError, zkCodeName } from './zk-error.js';

// node-zookeeper-client's error factory throws on result codes it does not list (SESSIONMOVED,
// NOWATCHER, QUOTAEXCEEDED, THROTTLEDOP… from newer servers), and it runs inside the socket's
// data handler, where a throw would take the process down. Codes it does not know become plain
// errors carrying the code.
const TOLERANT = Symbol.for('samsa.zk.tolerantExceptions');
const exceptions = zookeeper.Exception as typeof zookeeper.Exception & { [TOLERANT]?: true };
if (!exceptions[TOLERANT]) {
  const listed = exceptions.create;
  exceptions.create = (code: number, path?: string): Exception => {
    try {
      return listed(code, path);
    } catch {
      return Object.assign(new Error(`ZooKeeper error ${code}`), { code, getCode: () => code });
    }
  };
  exceptions[TOLERANT] = true;
}

export type SessionEvent = 'connected' | 'disconnected' | 'expired';

/**
 * One ZooKeeper session: a node-zookeeper-client instance from its first connection to its
 * expiry or close. Operations run on the session they were issued in and never move to a
 * later one: when this session ends, everything still waiting or in flight fails with
 * SESSIONEXPIRED, and the client above starts a new Session.
 */
export class Session {
  readonly client: Client;
  /** The session id once the server has given one. */
  id: bigint | undefined;
  connected = false;
  /** Connections made so far: 1 at the session's first, more after reconnects within it. */
  connections = 0;
  /** Set when the session expired or was closed; operations on it fail with this. */
  ended: ZkError | undefined;
  /** Watcher functions by kind and path: the package registers a function once per path. */
  readonly watchers = new Map<string, Watcher>();
  /** Handler paths whose watch could not be set (no connection); set again at the next connection. */
  readonly unarmed = new Set<string>();
  private readonly inFlight = new Set<(error: ZkError) => void>();
  private readonly waiters = new Set<{ resolve: () => void; reject: (error: ZkError) => void }>();
  private readonly watchdog: NodeJS.Timeout;

  constructor(
    connect: string,
    private readonly sessionTimeoutMs: number,
    private readonly connectionTimeoutMs: number,
    onEvent: (session: Session, event: SessionEvent) => void,
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {
    this.client = zookeeper.createClient(connect, { sessionTimeout: sessionTimeoutMs, retries: 0 });
    this.client.on('connected', () => {
      if (this.ended) return;
      this.connected = true;
      this.connections += 1;
      this.id = this.client.getSessionId().readBigInt64BE(0);
      for (const waiter of this.waiters) waiter.resolve();
      this.waiters.clear();
      onEvent(this, 'connected');
    });
    this.client.on('disconnected', () => {
      if (this.ended || !this.connected) return;
      this.connected = false;
      this.failInFlight(new ZkError('CONNECTIONLOSS', undefined, 'disconnected from ZooKeeper'));
      onEvent(this, 'disconnected');
    });
    this.client.on('expired', () => {
      if (this.ended) return;
      onEvent(this, 'expired');
    });
    this.watchdog = this.startReadTimeout();
    this.client.connect();
  }

  /** The session timeout the server granted (the one asked for until connected). */
  get timeoutMs(): number {
    return this.client.getSessionTimeout();
  }

  /** Resolves once connected; fails after zookeeper.connection.timeout.ms, or when the session ends. */
  waitUntilConnected(): Promise<void> {
    if (this.ended) return Promise.reject(this.ended);
    if (this.connected) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.waiters.delete(waiter);
        reject(new ZooKeeperClientTimeoutError(this.connectionTimeoutMs, this.id === undefined ? 'connecting' : 'disconnected'));
      }, this.connectionTimeoutMs);
      const waiter = {
        resolve: () => {
          clearTimeout(timer);
          resolve();
        },
        reject: (error: ZkError) => {
          clearTimeout(timer);
          reject(error);
        },
      };
      this.waiters.add(waiter);
    });
  }

  /**
   * Runs one request of the package on this session once it is connected. `issue` gets the
   * package's client and a callback; its error becomes a ZkError about `path`.
   */
  async call<T>(path: string | undefined, issue: (client: Client, done: (error: unknown, value?: T) => void) => void): Promise<T> {
    await this.waitUntilConnected();
    return new Promise<T>((resolve, reject) => {
      const fail = (error: ZkError): void => reject(error);
      this.inFlight.add(fail);
      const done = (error: unknown, value?: T): void => {
        if (!this.inFlight.delete(fail)) return; // already failed by a disconnect or the session's end
        if (error) reject(toZkError(error, path));
        else resolve(value as T);
      };
      try {
        issue(this.client, done);
      } catch (error) {
        done(error); // the package checks paths and arguments by throwing
      }
    });
  }

  /** The watcher function for `key` (kind and path), made once per session. */
  watcher(key: string, onEvent: Watcher): Watcher {
    let watcher = this.watchers.get(key);
    if (!watcher) {
      watcher = onEvent;
      this.watchers.set(key, watcher);
    }
    return watcher;
  }

  /**
   * Ends the session: everything waiting or in flight fails with `reason`. A connected session
   * is closed on the server (its ephemeral nodes go) and this waits, up to the connection
   * timeout, for the server to confirm by closing the connection.
   */
  async end(reason: ZkError): Promise<void> {
    if (this.ended) return;
    this.ended = reason;
    clearInterval(this.watchdog);
    for (const waiter of this.waiters) waiter.reject(reason);
    this.waiters.clear();
    this.failInFlight(reason);
    const closed = this.connected ? onceDisconnected(this.client, this.connectionTimeoutMs) : Promise.resolve();
    this.connected = false;
    try {
      this.client.close();
    } catch {
      // close() writes to the socket the package last had; with none yet there is nothing to close
    }
    await closed;
    this.client.connectionManager.socket?.destroy();
  }

  private failInFlight(error: ZkError): void {
    const failing = [...this.inFlight];
    this.inFlight.clear();
    for (const fail of failing) fail(error);
  }

  /**
   * The package has no read timeout: a server that stops answering (a network partition, a
   * paused process) leaves the client waiting forever on an open socket, never learning that
   * its session expired. As Java's client does, a connection that has read nothing for two
   * thirds of the session timeout is dropped (the package pings after a third of it idle); the
   * package then reconnects, and the server says whether the session is still alive.
   */
  private startReadTimeout(): NodeJS.Timeout {
    let socket: Socket | undefined;
    let lastRead = Date.now();
    const onData = (): void => {
      lastRead = Date.now();
    };
    const timer = setInterval(
      () => {
        const current = this.client.connectionManager.socket;
        if (current !== socket) {
          socket?.off('data', onData);
          socket = current;
          socket?.on('data', onData);
          lastRead = Date.now();
          return;
        }
        const readTimeoutMs = Math.floor((this.timeoutMs * 2) / 3);
        if (socket && !socket.destroyed && Date.now() - lastRead > readTimeoutMs) {
          this.log('warn', `ZooKeeper: nothing read for ${Date.now() - lastRead} ms (read timeout ${readTimeoutMs} ms); reconnecting`);
          socket.destroy();
        }
      },
      Math.max(20, Math.floor(this.sessionTimeoutMs / 6)),
    );
    timer.unref();
    return timer;
  }
}

/** A ZkError for what the package reported (a result code) or threw (a bad argument). */
export function toZkError(error: unknown, path: string | undefined): ZkError {
  if (error instanceof ZkError) return error;
  const code = (error as Partial<Exception>)?.getCode?.();
  if (typeof code === 'number') return new ZkError(zkCodeName(code), path);
  return new ZkError('BADARGUMENTS', path, error instanceof Error ? error.message : String(error));
}

function onceDisconnected(client: Client, timeoutMs: number): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      clearTimeout(timer);
      client.off('disconnected', done);
      resolve();
    };
    const timer = setTimeout(done, timeoutMs);
    client.on('disconnected', done);
  });
}
