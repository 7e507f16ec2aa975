import { createConnection, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy on 127.0.0.1 for cutting a client off from a server without closing anything:
 * pause() is a network partition (bytes and closes stop in both directions, new connections
 * are accepted and go nowhere), loseReplies() lets the client's requests through and loses
 * the server's replies on the connections open now, resume() ends either (the connections
 * they broke are dropped, new ones go through again). `record` hears every chunk a client
 * sends, with a number for its connection (test/fixtures/capture-client-frames.ts records
 * clients' frames).
 */
export interface TcpProxy {
  readonly port: number;
  readonly paused: boolean;
  pause(): void;
  loseReplies(): void;
  resume(): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  server?: Socket;
  /** Set once a partition has broken this link: nothing passes any more. */
  cut: boolean;
  /** Set once the server's replies are lost on this link: requests still pass. */
  deaf: boolean;
}

export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1', record?: (connection: number, chunk: Buffer) => void): Promise<TcpProxy> {
  const links = new Set<Link>();
  let paused = false;
  let connections = 0;

  const drop = (link: Link): void => {
    links.delete(link);
    link.client.destroy();
    link.server?.destroy();
  };

  const listener = createServer((client) => {
    const link: Link = { client, cut: paused, deaf: false };
    links.add(link);
    client.on('error', () => {});
    if (link.cut) return; // accepted during a partition: it leads nowhere
    const server = createConnection({ host: targetHost, port: targetPort });
    link.server = server;
    server.on('error', () => {});
    const connection = connections++;
    client.on('data', (chunk) => {
      if (link.cut) return;
      record?.(connection, chunk);
      server.write(chunk);
    });
    server.on('data', (chunk) => {
      if (!link.cut && !link.deaf) client.write(chunk);
    });
    client.on('close', () => {
      if (!link.cut) drop(link);
    });
    server.on('close', () => {
      if (!link.cut) drop(link);
    });
  });
  await new Promise<void>((resolve, reject) => {
    listener.once('error', reject);
    listener.listen(0, '127.0.0.1', () => resolve());
  });

  return {
    port: (listener.address() as { port: number }).port,
    get paused() {
      return paused;
    },
    pause() {
      paused = true;
      for (const link of links) link.cut = true;
    },
    loseReplies() {
      for (const link of links) link.deaf = true;
    },
    resume() {
      paused = false;
      for (const link of [...links]) if (link.cut || link.deaf) drop(link);
    },
    async close() {
      for (const link of [...links]) drop(link);
      await new Promise<void>((resolve) => listener.close(() => resolve()));
    },
  };
}
