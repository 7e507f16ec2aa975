import { afterAll, afterEach, beforeAll } from 'vitest';
import { startZooKeeper, type ZooKeeperServer } from '../cluster/zookeeper-server.js';

interface Closable {
  close(): Promise<void>;
}

export interface ZooKeeperFixture {
  /** The file's ZooKeeper (started before its first test). */
  readonly server: ZooKeeperServer;
  /** Closes `client` when the test ends. */
  track<T extends Closable>(client: T): T;
  /** Closes a tracked client now. */
  close(client: Closable): Promise<void>;
  /** A chroot no other test of the file uses. */
  chroot(): string;
}

/** One real ZooKeeper for a test file, and the clients of each test closed after it. */
export function useZooKeeper(): ZooKeeperFixture {
  let server: ZooKeeperServer | undefined;
  const clients: Closable[] = [];
  let chroots = 0;
  beforeAll(async () => {
    server = await startZooKeeper();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await server?.close();
  });
  return {
    get server() {
      if (!server) throw new Error('ZooKeeper is not started yet');
      return server;
    },
    track(client) {
      clients.push(client);
      return client;
    },
    async close(client) {
      const i = clients.indexOf(client);
      if (i >= 0) clients.splice(i, 1);
      await client.close();
    },
    chroot: () => `/test-${++chroots}`,
  };
}
