import { connect, type Socket } from 'node:net';
import { ALL_MESSAGES, RequestHeader, ResponseHeader } from '../../src/protocol/messages/index.js';
import { ProtocolReader } from '../../src/protocol/reader.js';
import { compileMessage } from '../../src/protocol/schema/compile.js';
import type { MessageSchema } from '../../src/protocol/schema/schema.js';
import { ProtocolWriter } from '../../src/protocol/writer.js';

const byName = new Map<string, MessageSchema>(ALL_MESSAGES.map((m) => [m.name, m]));
const requestHeaders = compileMessage(RequestHeader);
const responseHeaders = compileMessage(ResponseHeader);

/** A request frame built with samsa's own definitions (the broker's tests speak the raw protocol through this). */
export function requestFrame(api: string, version: number, body: unknown, correlationId: number, clientId = 'samsa-test'): Buffer {
  const schema = byName.get(`${api}Request`)!;
  const codec = compileMessage(schema).get(version)!;
  const w = new ProtocolWriter();
  requestHeaders.get(codec.flexible ? 2 : 1)!.encode(w, { requestApiKey: schema.apiKey, requestApiVersion: version, correlationId, clientId });
  // Tests send any body they like, also ones the version refuses.
  codec.encode(w, body as Record<string, unknown>);
  const payload = w.toBuffer();
  const size = Buffer.alloc(4);
  size.writeInt32BE(payload.length);
  return Buffer.concat([size, payload]);
}

export function decodeResponse(api: string, version: number, frame: Buffer): { correlationId: number; body: any } {
  const codec = compileMessage(byName.get(`${api}Response`)!).get(version)!;
  const r = new ProtocolReader(frame);
  const header = responseHeaders.get(codec.flexible && api !== 'ApiVersions' ? 1 : 0)!.decode(r) as { correlationId: number };
  return { correlationId: header.correlationId, body: codec.decode(r) };
}

/** A sessionless Fetch (v4+ fields) of partition 0 of `topic` from `offset`, answered at once, up to 1 MiB; `extra` overrides fields. */
export const fetchBody = (topic: string, offset: number, extra: Record<string, unknown> = {}) => ({
  replicaId: -1,
  maxWaitMs: 0,
  minBytes: 0,
  maxBytes: 1 << 20,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] }],
  forgottenTopicsData: [],
  rackId: '',
  ...extra,
});

/** A bare connection: send frames, receive whole response frames in arrival order. */
export class RawClient {
  private buffered = Buffer.alloc(0);
  private readonly frames: Buffer[] = [];
  private waiting: Array<() => void> = [];
  closed = false;
  private correlation = 0;

  private constructor(
    readonly socket: Socket,
    /** The client.id every request header carries. */
    private readonly clientId: string,
  ) {
    socket.on('data', (d: Buffer) => {
      this.buffered = Buffer.concat([this.buffered, d]);
      while (this.buffered.length >= 4 && this.buffered.length >= 4 + this.buffered.readInt32BE(0)) {
        const n = this.buffered.readInt32BE(0);
        this.frames.push(this.buffered.subarray(4, 4 + n));
        this.buffered = this.buffered.subarray(4 + n);
      }
      this.wake();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake();
    });
    socket.on('error', () => {});
  }

  static connect(port: number, clientId = 'samsa-test'): Promise<RawClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, '127.0.0.1', () => resolve(new RawClient(s, clientId)));
      s.once('error', reject);
    });
  }

  private wake(): void {
    for (const w of this.waiting.splice(0)) w();
  }

  write(bytes: Buffer): void {
    this.socket.write(bytes);
  }

  /** The next response frame, or null if the broker closed the connection. */
  async nextFrame(timeoutMs = 10_000): Promise<Buffer | null> {
    const deadline = Date.now() + timeoutMs;
    while (this.frames.length === 0) {
      if (this.closed) return null;
      if (Date.now() > deadline) throw new Error('no response in time');
      await new Promise<void>((r) => {
        this.waiting.push(r);
        setTimeout(r, 50);
      });
    }
    return this.frames.shift()!;
  }

  /** Sends one request and decodes its response. */
  async request(api: string, version: number, body: unknown): Promise<any> {
    const id = ++this.correlation;
    this.write(requestFrame(api, version, body, id, this.clientId));
    const frame = await this.nextFrame();
    if (!frame) throw new Error(`connection closed before the ${api} v${version} response`);
    const { correlationId, body: response } = decodeResponse(api, version, frame);
    if (correlationId !== id) throw new Error(`correlation id ${correlationId}, expected ${id}`);
    return response;
  }

  /** Resolves once the connection is closed (a test waiting for a close that never comes fails on its own timeout). */
  waitClosed(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.socket.once('close', () => resolve()));
  }

  close(): void {
    this.socket.destroy();
  }
}
