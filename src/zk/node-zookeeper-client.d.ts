// Types for the parts of node-zookeeper-client 1.1.3 (a CommonJS package) that src/zk uses.
// @types/node-zookeeper-client is not used: it types exists()'s missing stat and getData()'s
// missing data as present, has no sessionId/sessionPassword options and no multi results.
// Members marked "internal" are not the package's public API; the version is pinned exactly
// and src/zk/zookeeper-client.ts says why it reaches them.
declare module 'node-zookeeper-client' {
  import type { EventEmitter } from 'node:events';
  import type { Socket } from 'node:net';

  /** ZooKeeper's Stat; longs come as 8-byte big-endian buffers. */
  export interface Stat {
    czxid: Buffer;
    mzxid: Buffer;
    ctime: Buffer;
    mtime: Buffer;
    version: number;
    cversion: number;
    aversion: number;
    ephemeralOwner: Buffer;
    dataLength: number;
    numChildren: number;
    pzxid: Buffer;
  }

  /** The package's error for a ZooKeeper result code. */
  export interface Exception extends Error {
    readonly code: number;
    getCode(): number;
  }

  /** A watch notification: NODE_CREATED 1, NODE_DELETED 2, NODE_DATA_CHANGED 3, NODE_CHILDREN_CHANGED 4. */
  export interface Event {
    readonly type: number;
    readonly name: string;
    readonly path: string;
  }

  export type Watcher = (event: Event) => void;

  /** One operation's result in a multi: `err` is set on every result of a failed multi (0 before the failing op). */
  export interface OpResult {
    type: number;
    err?: number;
    path?: string;
    stat?: Stat;
  }

  export interface Transaction {
    /** internal: check/setData/remove turn version 0 into -1 (`version || -1`), so callers set it here. */
    readonly ops: Array<{ type: number; path: string; version?: number }>;
    create(path: string, data: Buffer | undefined, mode: number): this;
    setData(path: string, data: Buffer, version: number): this;
    check(path: string, version: number): this;
    remove(path: string, version: number): this;
    commit(callback: (error: Exception | Error | null, results: OpResult[] | undefined) => void): void;
  }

  export interface Client extends EventEmitter {
    connect(): void;
    close(): void;
    getSessionId(): Buffer;
    getSessionPassword(): Buffer;
    /** The negotiated timeout once connected; the requested one before. */
    getSessionTimeout(): number;
    create(path: string, data: Buffer | undefined, mode: number, callback: (error: Exception | Error | null, path: string) => void): void;
    remove(path: string, version: number, callback: (error: Exception | Error | null) => void): void;
    setData(path: string, data: Buffer, version: number, callback: (error: Exception | Error | null, stat: Stat) => void): void;
    getData(path: string, watcher: Watcher | undefined, callback: (error: Exception | Error | null, data: Buffer | undefined, stat: Stat) => void): void;
    exists(path: string, watcher: Watcher | undefined, callback: (error: Exception | Error | null, stat: Stat | null) => void): void;
    getChildren(path: string, watcher: Watcher | undefined, callback: (error: Exception | Error | null, children: string[], stat: Stat) => void): void;
    transaction(): Transaction;
    /** internal: the connection manager, whose socket has no read timeout of its own. */
    readonly connectionManager: { readonly socket?: Socket };
  }

  export interface ClientOptions {
    sessionTimeout?: number;
    /** Milliseconds to wait (at random, up to this) before trying the server list again. */
    spinDelay?: number;
    /** Retries on connection loss; src/zk keeps this 0. */
    retries?: number;
  }

  export function createClient(connectString: string, options?: ClientOptions): Client;

  export const CreateMode: { PERSISTENT: number; EPHEMERAL: number; PERSISTENT_SEQUENTIAL: number; EPHEMERAL_SEQUENTIAL: number };

  export const Event: { NODE_CREATED: number; NODE_DELETED: number; NODE_DATA_CHANGED: number; NODE_CHILDREN_CHANGED: number };

  /** internal: the factory the connection code calls for every result code; it throws on codes it does not list. */
  export const Exception: { create(code: number, path?: string): Exception };

  const zookeeper: {
    createClient: typeof createClient;
    CreateMode: typeof CreateMode;
    Event: typeof Event;
    Exception: typeof Exception;
  };
  export default zookeeper;
}
