import type { OpResult, Stat as RawStat, Event as WatchEvent } from 'node-zookeeper-client';
import zookeeper from 'node-zookeeper-client';
import { parseConnectString, type ZooKeeperClientConfig, zooKeeperClientConfig } from './zk-config.js';
import { ZkError, ZkMultiError, ZooKeeperClientTimeoutError, zkCodeName } from './zk-error.js';
import { Session, type SessionEvent } from './zk-session.js';

/** A znode's Stat; zxids and the ephemeral owner (a session id) are 64-bit. */
export interface ZkStat {
  czxid: bigint;
  mzxid: bigint;
  ctime: number;
  mtime: number;
  /** The data version: what version-checked writes compare with. */
  version: number;
  cversion: number;
  aversion: number;
  /** The owning session of an ephemeral node; 0 for a persistent one. */
  ephemeralOwner: bigint;
  dataLength: number;
  numChildren: number;
  pzxid: bigint;
}

export type CreateMode = 'PERSISTENT' | 'EPHEMERAL' | 'PERSISTENT_SEQUENTIAL' | 'EPHEMERAL_SEQUENTIAL';

/** The version that matches any (Kafka's ZkVersion.MatchAnyVersion). */
export const MATCH_ANY_VERSION = -1;

/** One operation of a multi (transaction). */
export type ZkOp =
  | { op: 'create'; path: string; data?: Buffer; mode?: CreateMode }
  | { op: 'setData'; path: string; data: Buffer; version?: number }
  | { op: 'delete'; path: string; version?: number }
  | { op: 'check'; path: string; version: number };

/** What each op of a successful multi returned: the created path, the new Stat of a setData. */
export type ZkOpResult = { op: 'create'; path: string } | { op: 'setData'; stat: ZkStat } | { op: 'delete' } | { op: 'check' };

/** Kafka's ZNodeChangeHandler: told when the znode at `path` is created, deleted or its data changes. */
export interface ZNodeChangeHandler {
  readonly path: string;
  handleCreation?(): void | Promise<void>;
  handleDeletion?(): void | Promise<void>;
  handleDataChange?(): void | Promise<void>;
}

/** Kafka's ZNodeChildChangeHandler: told when the children of `path` change (or `path` comes or goes). */
export interface ZNodeChildChangeHandler {
  readonly path: string;
  handleChildChange?(): void | Promise<void>;
}

/**
 * Connection and session changes, as Kafka's StateChangeHandler. onSessionExpired runs (and is
 * awaited) before a new session is made, onNewSession once it is connected and the change
 * handlers' watches are set again: the place to re-create ephemeral nodes and re-read state.
 */
export interface StateChangeHandler {
  readonly name: string;
  onConnected?(): void;
  onDisconnected?(): void;
  onSessionExpired?(): void | Promise<void>;
  onNewSession?(): void | Promise<void>;
}

export interface ZooKeeperClientOptions {
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

const MODES: Record<CreateMode, number> = {
  PERSISTENT: zookeeper.CreateMode.PERSISTENT,
  EPHEMERAL: zookeeper.CreateMode.EPHEMERAL,
  PERSISTENT_SEQUENTIAL: zookeeper.CreateMode.PERSISTENT_SEQUENTIAL,
  EPHEMERAL_SEQUENTIAL: zookeeper.CreateMode.EPHEMERAL_SEQUENTIAL,
};
const { NODE_CREATED, NODE_DELETED, NODE_DATA_CHANGED } = zookeeper.Event;
// ZooKeeper's op codes, as they come back in a multi's results.
const OP_CREATE = 1;
const OP_DELETE = 2;
const OP_SET_DATA = 5;
const OP_ERROR = -1;

/**
 * samsa's ZooKeeper client, as Kafka's ZooKeeperClient: promise-based operations with typed
 * errors (ZkError), version-checked writes, multi, change handlers whose one-shot watches are
 * set again after each event, and a session whose expiry is never hidden: operations issued in
 * an expired session fail with SESSIONEXPIRED (none is retried in the next session, so an
 * ephemeral node is never created by a session its caller did not see), the state change
 * handlers are told (onSessionExpired), a new session is made, and onNewSession follows.
 * Operations issued while disconnected wait for the reconnect up to
 * zookeeper.connection.timeout.ms, then fail with ZooKeeperClientTimeoutError.
 */
export class ZooKeeperClient {
  private session: Session;
  /** Whether the session replaced an expired one (its first connection is then a new session for the handlers). */
  private replacement = false;
  private closed = false;
  private readonly changeHandlers = new Map<string, ZNodeChangeHandler>();
  private readonly childHandlers = new Map<string, ZNodeChildChangeHandler>();
  private readonly stateHandlers = new Map<string, StateChangeHandler>();
  private readonly log: NonNullable<ZooKeeperClientOptions['log']>;

  private constructor(
    readonly config: ZooKeeperClientConfig,
    options: ZooKeeperClientOptions,
  ) {
    this.log = options.log ?? (() => {});
    this.session = this.newSession();
  }

  /**
   * Connects, waiting up to the connection timeout. A chroot in the connect string that does
   * not exist yet is created first through a client without it, as Kafka does.
   */
  static async connect(settings: ZooKeeperClientConfig | Readonly<Record<string, unknown>>, options: ZooKeeperClientOptions = {}): Promise<ZooKeeperClient> {
    const config = 'connect' in settings && 'sessionTimeoutMs' in settings ? (settings as ZooKeeperClientConfig) : zooKeeperClientConfig(settings);
    const { hosts, chroot } = parseConnectString(config.connect);
    if (chroot !== '') {
      const root = await ZooKeeperClient.connect({ ...config, connect: hosts }, options);
      try {
        if (!(await root.exists(chroot))) await root.createRecursive(chroot, undefined, false);
      } finally {
        await root.close();
      }
    }
    const client = new ZooKeeperClient(config, options);
    try {
      await client.waitUntilConnected();
    } catch (error) {
      await client.close();
      throw error;
    }
    return client;
  }

  /** The current session's id (undefined until the server has given one). */
  get sessionId(): bigint | undefined {
    return this.session.id;
  }

  /** The session timeout the server granted. */
  get sessionTimeoutMs(): number {
    return this.session.timeoutMs;
  }

  get isConnected(): boolean {
    return this.session.connected;
  }

  /** Waits for a connection up to the connection timeout (ZooKeeperClientTimeoutError after it). */
  waitUntilConnected(): Promise<void> {
    return this.session.waitUntilConnected();
  }

  /** Creates a znode and returns its path (with the sequence number for a sequential one). */
  create(path: string, data?: Buffer, mode: CreateMode = 'PERSISTENT'): Promise<string> {
    return this.session.call<string>(path, (c, done) => c.create(path, data, MODES[mode], done));
  }

  /** The data (null when the znode has none) and Stat; NONODE when it does not exist. */
  async getData(path: string): Promise<{ data: Buffer | null; stat: ZkStat }> {
    const [data, stat] = await this.session.call<[Buffer | undefined, RawStat]>(path, (c, done) =>
      c.getData(path, undefined, (error, data, stat) => done(error, [data, stat])),
    );
    return { data: data ?? null, stat: toStat(stat) };
  }

  /** Writes data if the znode's version is `version` (BADVERSION otherwise); returns the new Stat. */
  async setData(path: string, data: Buffer, version = MATCH_ANY_VERSION): Promise<ZkStat> {
    return toStat(await this.session.call<RawStat>(path, (c, done) => c.setData(path, data, version, done)));
  }

  /** Deletes a znode if its version is `version`; NOTEMPTY while it has children. */
  delete(path: string, version = MATCH_ANY_VERSION): Promise<void> {
    return this.session.call<void>(path, (c, done) => c.remove(path, version, done));
  }

  /** The znode's Stat, or null when it does not exist. */
  async exists(path: string): Promise<ZkStat | null> {
    const stat = await this.session.call<RawStat | null>(path, (c, done) => c.exists(path, undefined, done));
    return stat ? toStat(stat) : null;
  }

  /** The names of the znode's children (in no particular order) and its Stat. */
  async getChildren(path: string): Promise<{ children: string[]; stat: ZkStat }> {
    const [children, stat] = await this.session.call<[string[], RawStat]>(path, (c, done) =>
      c.getChildren(path, undefined, (error, children, stat) => done(error, [children, stat])),
    );
    return { children, stat: toStat(stat) };
  }

  /** Runs the ops atomically: all of them or none (ZkMultiError names the op that failed). */
  async multi(ops: readonly ZkOp[]): Promise<ZkOpResult[]> {
    const session = this.session;
    const results = await session.call<OpResult[]>(undefined, (c, done) => {
      const tx = c.transaction();
      for (const op of ops) {
        if (op.op === 'create') tx.create(op.path, op.data, MODES[op.mode ?? 'PERSISTENT']);
        else if (op.op === 'setData') tx.setData(op.path, op.data, op.version ?? MATCH_ANY_VERSION);
        else if (op.op === 'delete') tx.remove(op.path, op.version ?? MATCH_ANY_VERSION);
        else tx.check(op.path, op.version);
        // the package turns version 0 into -1 (`version || -1`): set it as given
        if (op.op !== 'create') tx.ops[tx.ops.length - 1].version = op.version ?? MATCH_ANY_VERSION;
      }
      tx.commit((error, results) => {
        const failed = results?.findIndex((r) => r.type === OP_ERROR && r.err !== undefined && r.err !== 0) ?? -1;
        if (error && failed >= 0) done(new ZkMultiError(zkCodeName(results![failed].err!), failed, ops[failed]?.path));
        else done(error, results);
      });
    });
    return results.map((r, i): ZkOpResult => {
      if (r.type === OP_CREATE) return { op: 'create', path: r.path ?? ops[i].path };
      if (r.type === OP_SET_DATA) return { op: 'setData', stat: toStat(r.stat!) };
      if (r.type === OP_DELETE) return { op: 'delete' };
      return { op: 'check' };
    });
  }

  /**
   * Creates `path` and any missing parents (persistent, parents without data), as Kafka's
   * createRecursive; NODEEXISTS for `path` itself unless `throwIfPathExists` is false.
   */
  async createRecursive(path: string, data?: Buffer, throwIfPathExists = true): Promise<void> {
    try {
      await this.create(path, data);
    } catch (error) {
      if (isCode(error, 'NODEEXISTS') && !throwIfPathExists) return;
      if (!isCode(error, 'NONODE')) throw error;
      await this.createRecursive(parentPath(path), undefined, false);
      try {
        await this.create(path, data);
      } catch (again) {
        if (!(isCode(again, 'NODEEXISTS') && !throwIfPathExists)) throw again;
      }
    }
  }

  /** Deletes `path` and everything under it; false when it did not exist. */
  async deleteRecursive(path: string): Promise<boolean> {
    let children: string[];
    try {
      ({ children } = await this.getChildren(path));
    } catch (error) {
      if (isCode(error, 'NONODE')) return false;
      throw error;
    }
    for (const child of children) await this.deleteRecursive(`${path === '/' ? '' : path}/${child}`);
    try {
      await this.delete(path);
    } catch (error) {
      if (!isCode(error, 'NONODE')) throw error;
    }
    return true;
  }

  /**
   * Runs `operation` again after each CONNECTIONLOSS, as Kafka's retryRequestsUntilConnected, but
   * only within the session it started in: once that session has expired, SESSIONEXPIRED is thrown.
   * Each attempt waits for the reconnect up to the connection timeout.
   */
  async retryUntilConnected<T>(operation: () => Promise<T>): Promise<T> {
    const session = this.session;
    for (;;) {
      try {
        return await operation();
      } catch (error) {
        if (!isCode(error, 'CONNECTIONLOSS') || error instanceof ZooKeeperClientTimeoutError) throw error;
        if (this.session !== session || session.ended) throw session.ended ?? new ZkError('SESSIONEXPIRED');
      }
    }
  }

  /**
   * Registers the handler for its path (replacing any other) and sets a watch there, which is
   * set again after every event and in every new session. Returns whether the znode exists.
   */
  async registerZNodeChangeHandler(handler: ZNodeChangeHandler): Promise<boolean> {
    this.changeHandlers.set(handler.path, handler);
    return this.armChange(this.session, handler.path);
  }

  unregisterZNodeChangeHandler(path: string): void {
    this.changeHandlers.delete(path);
  }

  /** Registers the handler for its path and watches the children there; returns them (none when `path` does not exist). */
  async registerZNodeChildChangeHandler(handler: ZNodeChildChangeHandler): Promise<string[]> {
    this.childHandlers.set(handler.path, handler);
    return this.armChildren(this.session, handler.path);
  }

  unregisterZNodeChildChangeHandler(path: string): void {
    this.childHandlers.delete(path);
  }

  registerStateChangeHandler(handler: StateChangeHandler): void {
    this.stateHandlers.set(handler.name, handler);
  }

  unregisterStateChangeHandler(name: string): void {
    this.stateHandlers.delete(name);
  }

  /** Closes the session (its ephemeral nodes go) and forgets every handler. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.changeHandlers.clear();
    this.childHandlers.clear();
    this.stateHandlers.clear();
    await this.session.end(new ZkError('SESSIONEXPIRED', undefined, 'the client was closed'));
  }

  private newSession(): Session {
    return new Session(this.config.connect, this.config.sessionTimeoutMs, this.config.connectionTimeoutMs, (s, e) => this.onSessionEvent(s, e), this.log);
  }

  private onSessionEvent(session: Session, event: SessionEvent): void {
    if (session !== this.session || this.closed) return;
    if (event === 'connected') {
      this.log('info', `ZooKeeper: connected, session ${hex(session.id)} (timeout ${session.timeoutMs} ms)`);
      void this.onConnected(session, session.connections === 1);
    } else if (event === 'disconnected') {
      this.log('warn', `ZooKeeper: disconnected, session ${hex(session.id)}`);
      this.tell('onDisconnected');
    } else {
      void this.onExpired(session);
    }
  }

  private async onConnected(session: Session, first: boolean): Promise<void> {
    this.tell('onConnected');
    // the first connection of a session sets every handler's watch; a reconnect in the same
    // session keeps the watches it had (the server restores them) and sets the ones that failed
    const paths = first
      ? [...[...this.changeHandlers.keys()].map((p) => `data:${p}`), ...[...this.childHandlers.keys()].map((p) => `child:${p}`)]
      : [...session.unarmed];
    session.unarmed.clear();
    await Promise.all(paths.map((key) => this.rearm(session, key).catch(() => {})));
    if (first && this.replacement && session === this.session) await this.tellAsync('onNewSession');
  }

  private async onExpired(session: Session): Promise<void> {
    this.log('warn', `ZooKeeper: session ${hex(session.id)} expired; starting a new session`);
    await session.end(new ZkError('SESSIONEXPIRED', undefined, `session ${hex(session.id)} expired`));
    await this.tellAsync('onSessionExpired');
    if (this.closed) return;
    this.session = this.newSession();
    this.replacement = true;
  }

  private rearm(session: Session, key: string): Promise<unknown> {
    const path = key.slice(key.indexOf(':') + 1);
    return key.startsWith('data:') ? this.armChange(session, path) : this.armChildren(session, path);
  }

  /** Sets the exists-watch of a change handler; whether the znode exists. */
  private async armChange(session: Session, path: string): Promise<boolean> {
    const key = `data:${path}`;
    const watcher = session.watcher(key, (event) => void this.onChangeEvent(session, path, event));
    try {
      return (await session.call<RawStat | null>(path, (c, done) => c.exists(path, watcher, done))) !== null;
    } catch (error) {
      if (!session.ended) session.unarmed.add(key);
      throw error;
    }
  }

  /** Sets the child watch of a child handler (an exists-watch while `path` is missing); the children. */
  private async armChildren(session: Session, path: string): Promise<string[]> {
    const key = `child:${path}`;
    const watcher = session.watcher(key, () => void this.onChildEvent(session, path));
    try {
      for (;;) {
        try {
          return await session.call<string[]>(path, (c, done) => c.getChildren(path, watcher, done));
        } catch (error) {
          if (!isCode(error, 'NONODE')) throw error;
        }
        // missing: watch for its creation; if it appeared meanwhile, watch its children after all
        if ((await session.call<RawStat | null>(path, (c, done) => c.exists(path, watcher, done))) === null) return [];
      }
    } catch (error) {
      if (!session.ended) session.unarmed.add(key);
      throw error;
    }
  }

  private async onChangeEvent(session: Session, path: string, event: WatchEvent): Promise<void> {
    if (session !== this.session || !this.changeHandlers.has(path)) return;
    let exists: boolean | undefined;
    try {
      exists = await this.armChange(session, path);
    } catch {
      // set again at the next connection
    }
    const handler = this.changeHandlers.get(path);
    if (!handler) return;
    if (event.type === NODE_CREATED) this.run(handler, 'handleCreation');
    else if (event.type === NODE_DELETED) this.run(handler, 'handleDeletion');
    else if (event.type === NODE_DATA_CHANGED) this.run(handler, 'handleDataChange');
    // a change between the event and the new watch sends no event of its own
    if (exists === true && event.type === NODE_DELETED) this.run(handler, 'handleCreation');
    if (exists === false && event.type !== NODE_DELETED) this.run(handler, 'handleDeletion');
  }

  private async onChildEvent(session: Session, path: string): Promise<void> {
    if (session !== this.session || !this.childHandlers.has(path)) return;
    try {
      await this.armChildren(session, path);
    } catch {
      // set again at the next connection
    }
    const handler = this.childHandlers.get(path);
    if (handler) this.run(handler, 'handleChildChange');
  }

  private run<H extends object>(handler: H, method: keyof H): void {
    const fn = handler[method];
    if (typeof fn !== 'function') return;
    try {
      const result = fn.call(handler);
      if (result instanceof Promise) result.catch((error: unknown) => this.handlerFailed(method, error));
    } catch (error) {
      this.handlerFailed(method, error);
    }
  }

  private tell(method: 'onConnected' | 'onDisconnected'): void {
    for (const handler of [...this.stateHandlers.values()]) this.run(handler, method);
  }

  /** Calls each state handler in turn, waiting for each. */
  private async tellAsync(method: 'onSessionExpired' | 'onNewSession'): Promise<void> {
    for (const handler of [...this.stateHandlers.values()]) {
      try {
        await handler[method]?.();
      } catch (error) {
        this.handlerFailed(method, error);
      }
    }
  }

  private handlerFailed(method: PropertyKey, error: unknown): void {
    this.log('error', `ZooKeeper: a handler's ${String(method)} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
  }
}

/** Whether `error` is a ZkError with `code`. */
export function isCode(error: unknown, code: ZkError['code']): error is ZkError {
  return error instanceof ZkError && error.code === code;
}

function parentPath(path: string): string {
  const slash = path.lastIndexOf('/');
  if (slash <= 0) throw new ZkError('BADARGUMENTS', path, 'no parent to create');
  return path.slice(0, slash);
}

function toStat(raw: RawStat): ZkStat {
  return {
    czxid: raw.czxid.readBigInt64BE(0),
    mzxid: raw.mzxid.readBigInt64BE(0),
    ctime: Number(raw.ctime.readBigInt64BE(0)),
    mtime: Number(raw.mtime.readBigInt64BE(0)),
    version: raw.version,
    cversion: raw.cversion,
    aversion: raw.aversion,
    ephemeralOwner: raw.ephemeralOwner.readBigInt64BE(0),
    dataLength: raw.dataLength,
    numChildren: raw.numChildren,
    pzxid: raw.pzxid.readBigInt64BE(0),
  };
}

function hex(sessionId: bigint | undefined): string {
  return sessionId === undefined ? '(none yet)' : `0x${BigInt.asUintN(64, sessionId).toString(16)}`;
}
