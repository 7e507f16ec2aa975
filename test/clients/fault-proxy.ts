import { connect, createServer, type Socket } from 'node:net';

/**
 * A TCP proxy that speaks just enough of Kafka's framing to lose answers: it
 * notes each request's API key by correlation id and can cut a connection
 * instead of delivering a response, after the broker has done what the
 * request asked (a Produce appended, an InitProducerId allocated). It can
 * also swallow everything, as a network partition does. A broker advertising
 * the proxy's port makes every connection of a client go through it.
 */
export interface FaultProxy {
  readonly port: number;
  /** Connections accepted so far. */
  readonly accepted: number;
  /** Responses lost so far, by API key. */
  dropped(apiKey: number): number;
  /**
   * The next `count` responses to requests of `apiKey` are lost: their
   * connection is cut instead. With `thenBlackhole`, the proxy goes into
   * blackhole at the same moment, so no retry gets through until it is
   * turned off.
   */
  dropResponses(apiKey: number, count?: number, thenBlackhole?: boolean): void;
  /** While on, bytes go nowhere in either direction and new connections lead nowhere; turned off, the links it stalled are cut. */
  blackhole(on: boolean): void;
  /** Cuts every connection. */
  cutAll(): void;
  close(): Promise<void>;
}

interface Link {
  client: Socket;
  server: Socket | null;
  /** API key of each request in flight, by correlation id. */
  apiKeys: Map<number, number>;
  fromClient: Buffer;
  fromServer: Buffer;
  stalled: boolean;
}

export async function startFaultProxy(targetPort: number, port = 0): Promise<FaultProxy> {
  const links = new Set<Link>();
  const toDrop = new Map<number, number>();
  const blackholeAfter = new Set<number>();
  const droppedBy = new Map<number, number>();
  let accepted = 0;
  let holing = false;

  const cut = (link: Link) => {
    links.delete(link);
    link.client.destroy();
    link.server?.destroy();
  };

  /** Whole frames at the front of `buffer` (4-byte size, then the frame), and the bytes left over. */
  const frames = (buffer: Buffer): { whole: Buffer[]; rest: Buffer } => {
    const whole: Buffer[] = [];
    let at = 0;
    while (buffer.length - at >= 4) {
      const end = at + 4 + buffer.readInt32BE(at);
      if (end > buffer.length) break;
      whole.push(buffer.subarray(at, end));
      at = end;
    }
    return { whole, rest: buffer.subarray(at) };
  };

  const server = createServer((client) => {
    accepted++;
    const link: Link = { client, server: null, apiKeys: new Map(), fromClient: Buffer.alloc(0), fromServer: Buffer.alloc(0), stalled: holing };
    links.add(link);
    client.on('error', () => undefined);
    client.on('close', () => cut(link));
    if (link.stalled) return;
    const upstream = connect(targetPort, '127.0.0.1');
    link.server = upstream;
    upstream.on('error', () => undefined);
    upstream.on('close', () => cut(link));
    client.on('data', (chunk: Buffer) => {
      if (link.stalled) return;
      const { whole, rest } = frames(Buffer.concat([link.fromClient, chunk]));
      link.fromClient = rest;
      // Request header: size, api key (int16), api version (int16), correlation id (int32).
      for (const frame of whole) link.apiKeys.set(frame.readInt32BE(8), frame.readInt16BE(4));
      upstream.write(Buffer.concat(whole));
    });
    upstream.on('data', (chunk: Buffer) => {
      if (link.stalled) return;
      const { whole, rest } = frames(Buffer.concat([link.fromServer, chunk]));
      link.fromServer = rest;
      const deliver: Buffer[] = [];
      for (const frame of whole) {
        // Response header: size, correlation id.
        const correlationId = frame.readInt32BE(4);
        const apiKey = link.apiKeys.get(correlationId) ?? -1;
        link.apiKeys.delete(correlationId);
        const budget = toDrop.get(apiKey) ?? 0;
        if (budget > 0) {
          toDrop.set(apiKey, budget - 1);
          droppedBy.set(apiKey, (droppedBy.get(apiKey) ?? 0) + 1);
          if (deliver.length > 0) client.write(Buffer.concat(deliver));
          cut(link);
          if (blackholeAfter.delete(apiKey)) setBlackhole(true);
          return;
        }
        deliver.push(frame);
      }
      if (deliver.length > 0) client.write(Buffer.concat(deliver));
    });
  });
  const setBlackhole = (on: boolean) => {
    holing = on;
    if (on) for (const link of links) link.stalled = true;
    else for (const link of [...links]) if (link.stalled) cut(link);
  };

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, '127.0.0.1', () => resolve());
  });

  return {
    port: (server.address() as { port: number }).port,
    get accepted() {
      return accepted;
    },
    dropped: (apiKey) => droppedBy.get(apiKey) ?? 0,
    dropResponses(apiKey, count = 1, thenBlackhole = false) {
      toDrop.set(apiKey, (toDrop.get(apiKey) ?? 0) + count);
      if (thenBlackhole) blackholeAfter.add(apiKey);
    },
    blackhole: setBlackhole,
    cutAll() {
      for (const link of [...links]) cut(link);
    },
    async close() {
      for (const link of [...links]) cut(link);
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
