import { Socket } from 'node:net';
import { connect as connectTls } from 'node:tls';
import { ErrorCode } from '../../protocol/error-codes.js';
import { FrameReader } from '../../protocol/frame-reader.js';
import { ProtocolReader } from '../../protocol/reader.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import type { MessageSchema } from '../../protocol/schema/schema.js';
import { ProtocolWriter } from '../../protocol/writer.js';
import { type AnyApiDef, Api, type ApiDef, type BrokerApiVersions, pickVersion, type RequestBody } from './apis.js';
import type { ClientSecurity } from './client-security.js';
import { kafkaErrorFor, NetworkError, UnsupportedVersionError } from './errors.js';
import { type InFlightRequest, InFlightRequests } from './in-flight-requests.js';
import { authenticateSasl } from './sasl-client.js';
import { sleep } from './timing.js';

export const CLIENT_SOFTWARE_NAME = 'samsa';
export const CLIENT_SOFTWARE_VERSION = '0.1.0';

const MAX_RESPONSE_BYTES = 0x7fffffff;

export interface ConnectionOptions {
  readonly clientId: string;
  /** request.timeout.ms: a request without a response by then closes the connection, as Kafka's NetworkClient does. */
  readonly requestTimeoutMs: number;
  /** socket.connection.setup.timeout.ms */
  readonly connectTimeoutMs: number;
  /** max.in.flight.requests.per.connection; further requests wait in a queue. */
  readonly maxInFlight: number;
  /** send.buffer.bytes / receive.buffer.bytes (-1: the defaults): the socket stream's write and read high-water marks. */
  readonly sendBufferBytes: number;
  readonly receiveBufferBytes: number;
  /** Waited before connecting (reconnect backoff). */
  readonly connectDelayMs?: number;
  /** security.protocol and what it needs: TLS over the socket, SASL after ApiVersions. Plain TCP without it. */
  readonly security?: ClientSecurity;
}

export interface RequestOptions {
  /** Overrides request.timeout.ms for this request (a long-polling fetch, a JoinGroup). */
  readonly timeoutMs?: number;
  /** false for Produce with acks=0: the request completes once written. */
  readonly expectResponse?: boolean;
  /** Restricts the version range (e.g. an API whose layout changed). */
  readonly minVersion?: number;
  readonly maxVersion?: number;
}

/**
 * What a request resolves to: its decoded response, or undefined when it
 * expects none (Produce with acks=0, which `expectResponse: false` says).
 */
export type ResponseOf<Res extends MessageSchema, O extends RequestOptions> = O extends { readonly expectResponse: false }
  ? undefined
  : O extends { readonly expectResponse: true }
    ? MessageData<Res>
    : 'expectResponse' extends keyof O
      ? MessageData<Res> | undefined
      : MessageData<Res>;

type NoOptions = Record<never, never>;

interface QueuedRequest {
  api: AnyApiDef;
  body: Record<string, unknown> | ((version: number) => Record<string, unknown>);
  options: RequestOptions;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export type ConnectionState = 'new' | 'connecting' | 'ready' | 'closed';

/**
 * One TCP connection to a broker: 4-byte framing, correlation ids, up to
 * max.in.flight requests pipelined and answered in order, request timeouts,
 * and the ApiVersions handshake that fixes which version of each API it
 * speaks (the highest both sides know). Requests made before the handshake
 * ends, or beyond the in-flight cap, wait in order.
 */
export class BrokerConnection {
  state: ConnectionState = 'new';
  /** What the broker listed in ApiVersions. */
  apiVersions: BrokerApiVersions = new Map();
  lastActiveMs = Date.now();
  readonly inFlight: InFlightRequests;
  /** Called once when the connection closes, with the error that closed it (undefined for close()). */
  onClose?: (error: Error | undefined) => void;

  private socket?: Socket;
  private readonly frames = new FrameReader(MAX_RESPONSE_BYTES);
  private readonly waiting: QueuedRequest[] = [];
  private correlationId = 0;
  private connecting?: Promise<void>;
  private timer?: NodeJS.Timeout;
  private timerAt = Infinity;
  private corked = false;
  /** KIP-368: authenticating again on this connection; requests wait meanwhile. */
  private reauthenticating = false;
  private reauthTimer?: NodeJS.Timeout;
  /** Resolved when nothing is in flight (a re-authentication waits for that). */
  private idleWaiters: Array<() => void> = [];

  constructor(
    readonly nodeId: number,
    readonly host: string,
    readonly port: number,
    private readonly options: ConnectionOptions,
  ) {
    this.inFlight = new InFlightRequests(options.maxInFlight);
  }

  get isReady(): boolean {
    return this.state === 'ready';
  }

  /** Ready, nothing queued, and below the in-flight cap: a request sent now goes out at once. */
  canSendMore(): boolean {
    return this.state === 'ready' && !this.reauthenticating && this.waiting.length === 0 && this.inFlight.canSendMore();
  }

  /** Requests written or waiting to be. */
  get load(): number {
    return this.inFlight.count + this.waiting.length;
  }

  /** Connects and negotiates API versions; resolves when ready (shared by concurrent callers). */
  connect(): Promise<void> {
    if (this.state === 'ready') return Promise.resolve();
    if (this.state === 'closed') return Promise.reject(new NetworkError(`connection to node ${this.nodeId} (${this.address}) is closed`));
    this.connecting ??= this.open();
    return this.connecting;
  }

  get address(): string {
    return `${this.host}:${this.port}`;
  }

  /** The version of `api` this connection uses (after the handshake), or -1 when the broker has none we know. */
  versionOf(api: AnyApiDef, range: { min?: number; max?: number } = {}): number {
    return pickVersion(api, this.apiVersions, range);
  }

  /** Sends a request and resolves to its decoded response body. */
  request<Req extends MessageSchema, Res extends MessageSchema, O extends RequestOptions = NoOptions>(
    api: ApiDef<Req, Res>,
    body: RequestBody<Req>,
    options?: O,
  ): Promise<NoInfer<ResponseOf<Res, O>>> {
    return new Promise((resolve, reject) => {
      if (this.state === 'closed') {
        reject(new NetworkError(`connection to node ${this.nodeId} (${this.address}) is closed`));
        return;
      }
      const queued: QueuedRequest = { api, body, options: options ?? {}, resolve, reject };
      if (this.canSendMore()) this.write(queued);
      else {
        this.waiting.push(queued);
        if (this.state === 'new') this.connect().catch(() => undefined);
      }
    });
  }

  private async open(): Promise<void> {
    this.state = 'connecting';
    if (this.options.connectDelayMs) await sleep(this.options.connectDelayMs);
    if (this.isClosed()) throw new NetworkError(`connection to node ${this.nodeId} (${this.address}) was closed while connecting`);
    const streamOptions: Record<string, number> = {};
    if (this.options.sendBufferBytes > 0) streamOptions.writableHighWaterMark = this.options.sendBufferBytes;
    if (this.options.receiveBufferBytes > 0) streamOptions.readableHighWaterMark = this.options.receiveBufferBytes;
    const tcp = new Socket(streamOptions);
    tcp.setNoDelay(true);
    const tlsOptions = this.options.security?.tls;
    // With TLS, the connection reads and writes the TLS session over the TCP socket.
    const socket: Socket = tlsOptions
      ? connectTls({ ...tlsOptions, socket: tcp, servername: isIpAddress(this.host) ? undefined : this.host, host: this.host })
      : tcp;
    this.socket = socket;
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    socket.on('error', (e) => this.close(new NetworkError(`connection to node ${this.nodeId} (${this.address}) failed: ${e.message}`, { cause: e })));
    socket.on('close', () => this.close(new NetworkError(`connection to node ${this.nodeId} (${this.address}) was closed by the broker`)));
    try {
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new NetworkError(`connection to node ${this.nodeId} (${this.address}) timed out after ${this.options.connectTimeoutMs} ms`)),
          this.options.connectTimeoutMs,
        );
        socket.once(tlsOptions ? 'secureConnect' : 'connect', () => {
          clearTimeout(timer);
          resolve();
        });
        // A TLS handshake the client refuses (a certificate it does not trust) says why in its error.
        socket.once('error', (e) => {
          clearTimeout(timer);
          reject(new NetworkError(`could not connect to node ${this.nodeId} (${this.address}): ${e.message}`, { cause: e }));
        });
        socket.once('close', () => {
          clearTimeout(timer);
          reject(new NetworkError(`could not connect to node ${this.nodeId} (${this.address})`));
        });
        tcp.connect(this.port, this.host);
      });
      await this.handshake();
      const sasl = this.options.security?.sasl;
      if (sasl) this.scheduleReauthentication(await this.authenticate(sasl));
    } catch (e) {
      this.close(e as Error);
      throw e;
    }
    this.state = 'ready';
    this.drainWaiting();
  }

  private isClosed(): boolean {
    return this.state === 'closed';
  }

  /**
   * ApiVersions at the highest version we know; a broker that does not know it
   * answers UNSUPPORTED_VERSION with its list in a v0 body, and we ask again (KIP-511).
   */
  private async handshake(): Promise<void> {
    let version = Api.ApiVersions.maxVersion;
    for (let attempt = 0; ; attempt++) {
      const body = { clientSoftwareName: CLIENT_SOFTWARE_NAME, clientSoftwareVersion: CLIENT_SOFTWARE_VERSION };
      const response = await new Promise<MessageData<typeof Api.ApiVersions.response>>((resolve, reject) =>
        this.write({ api: Api.ApiVersions, body, options: { minVersion: version, maxVersion: version }, resolve, reject }, version),
      );
      if (response.errorCode === ErrorCode.UNSUPPORTED_VERSION && attempt === 0) {
        const theirs = response.apiKeys.find((k) => k.apiKey === Api.ApiVersions.key);
        version = Math.min(theirs?.maxVersion ?? 0, Api.ApiVersions.maxVersion);
        continue;
      }
      if (response.errorCode !== ErrorCode.NONE) throw kafkaErrorFor(response.errorCode, `ApiVersions v${version} refused by node ${this.nodeId}`);
      this.apiVersions = new Map(response.apiKeys.map((k) => [k.apiKey, { minVersion: k.minVersion, maxVersion: k.maxVersion }]));
      return;
    }
  }

  /**
   * KIP-368: the broker ends the session after `lifetimeMs` (0: never), so
   * the connection authenticates again before then, at 85–95% of it as Java's
   * client does: requests wait, those in flight are answered, then a new
   * SaslHandshake and the mechanism's tokens go out.
   */
  private scheduleReauthentication(lifetimeMs: number): void {
    if (!(lifetimeMs > 0) || this.state === 'closed') return;
    const sasl = this.options.security!.sasl!;
    this.reauthTimer = setTimeout(
      () => {
        this.reauthTimer = undefined;
        void this.reauthenticate(sasl);
      },
      lifetimeMs * (0.85 + Math.random() * 0.1),
    );
    this.reauthTimer.unref();
  }

  private async reauthenticate(sasl: NonNullable<ClientSecurity['sasl']>): Promise<void> {
    if (this.state !== 'ready') return;
    this.reauthenticating = true;
    try {
      if (this.inFlight.count > 0) await new Promise<void>((resolve) => this.idleWaiters.push(resolve));
      if (this.state !== 'ready') return;
      const lifetimeMs = await this.authenticate(sasl);
      this.reauthenticating = false;
      this.drainWaiting();
      this.scheduleReauthentication(lifetimeMs);
    } catch (e) {
      this.close(new NetworkError(`re-authentication with node ${this.nodeId} (${this.address}) failed: ${(e as Error).message}`, { cause: e }));
    }
  }

  /**
   * SaslHandshake v1, then the mechanism's tokens in SaslAuthenticate
   * requests (KIP-152), before any other request is sent. Resolves with the
   * session's lifetime the broker gave (0: unlimited).
   */
  private async authenticate(credentials: NonNullable<ClientSecurity['sasl']>): Promise<number> {
    const send = <T>(api: AnyApiDef, body: Record<string, unknown>, version: number) =>
      new Promise<T>((resolve, reject) => this.write({ api, body, options: {}, resolve: resolve as (v: unknown) => void, reject }, version));
    const handshake = await send<MessageData<typeof Api.SaslHandshake.response>>(Api.SaslHandshake, { mechanism: credentials.mechanism }, 1);
    if (handshake.errorCode !== ErrorCode.NONE)
      throw kafkaErrorFor(
        handshake.errorCode,
        `node ${this.nodeId} does not offer SASL ${credentials.mechanism}; it offers ${handshake.mechanisms.join(', ') || 'none'}`,
      );
    const version = this.versionOf(Api.SaslAuthenticate);
    if (version < 0) throw new UnsupportedVersionError(`node ${this.nodeId} does not support SaslAuthenticate`);
    let sessionLifetimeMs = 0;
    await authenticateSasl(credentials, async (token) => {
      const response = await send<MessageData<typeof Api.SaslAuthenticate.response>>(Api.SaslAuthenticate, { authBytes: token }, version);
      if (response.errorCode !== ErrorCode.NONE) throw kafkaErrorFor(response.errorCode, response.errorMessage);
      sessionLifetimeMs = Number(response.sessionLifetimeMs ?? 0);
      return response.authBytes;
    });
    return sessionLifetimeMs;
  }

  /** Encodes and writes one request (the handshake passes its version; others use the negotiated one). */
  private write(queued: QueuedRequest, fixedVersion?: number): void {
    const { api, options } = queued;
    const version = fixedVersion ?? this.versionOf(api, { min: options.minVersion, max: options.maxVersion });
    if (version < 0) {
      const theirs = this.apiVersions.get(api.key);
      queued.reject(
        new UnsupportedVersionError(
          `node ${this.nodeId} supports ${api.name} ${theirs ? `v${theirs.minVersion}-${theirs.maxVersion}` : 'in no version'}; this client needs v${Math.max(api.minVersion, options.minVersion ?? 0)}-${Math.min(api.maxVersion, options.maxVersion ?? Infinity)}`,
        ),
      );
      return;
    }
    const codec = api.requestCodec(version);
    const correlationId = (this.correlationId = (this.correlationId + 1) & 0x7fffffff);
    let chunks: Buffer[];
    let size: number;
    try {
      const body = typeof queued.body === 'function' ? queued.body(version) : queued.body;
      // Request header v1, or v2 (a tagged-field section after it) for flexible versions.
      const w = new ProtocolWriter(256);
      w.int16(api.key).int16(version).int32(correlationId).nullableString(this.options.clientId);
      if (codec.flexible) w.uvarint(0);
      codec.encode(w, body);
      size = w.length;
      chunks = w.chunks();
    } catch (e) {
      queued.reject(e as Error);
      return;
    }
    const now = Date.now();
    this.lastActiveMs = now;
    const socket = this.socket!;
    if (!this.corked) {
      // Requests written in the same tick leave in one vectored write.
      this.corked = true;
      socket.cork();
      process.nextTick(() => {
        this.corked = false;
        socket.uncork();
      });
    }
    const prefix = Buffer.allocUnsafe(4);
    prefix.writeInt32BE(size, 0);
    socket.write(prefix);
    const last = chunks.length - 1;
    for (let i = 0; i < last; i++) socket.write(chunks[i]!);
    if (options.expectResponse === false) {
      socket.write(chunks[last]!, (e) =>
        e ? queued.reject(new NetworkError(`write to node ${this.nodeId} failed: ${e.message}`)) : queued.resolve(undefined),
      );
      return;
    }
    socket.write(chunks[last]!);
    const request: InFlightRequest = {
      correlationId,
      api,
      version,
      sentAtMs: now,
      deadlineMs: now + (options.timeoutMs ?? this.options.requestTimeoutMs),
      resolve: queued.resolve,
      reject: queued.reject,
    };
    this.inFlight.add(request);
    this.armTimer(request.deadlineMs);
  }

  private onData(chunk: Buffer): void {
    this.lastActiveMs = Date.now();
    try {
      this.frames.push(chunk, (frame) => void this.onFrame(frame));
    } catch (e) {
      this.close(new NetworkError(`bad response from node ${this.nodeId}: ${(e as Error).message}`, { cause: e }));
      return;
    }
    if (this.inFlight.count === 0 && this.idleWaiters.length > 0) for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.drainWaiting();
  }

  private onFrame(frame: Buffer): void {
    const request = this.inFlight.completeNext();
    const correlationId = frame.length >= 4 ? frame.readInt32BE(0) : -1;
    if (!request || request.correlationId !== correlationId) {
      request?.reject(
        new NetworkError(`response with correlation id ${correlationId} from node ${this.nodeId} does not answer request ${request.correlationId}`),
      );
      throw new Error(`correlation id ${correlationId} does not match the oldest request's ${request?.correlationId ?? '(none)'}`);
    }
    let body: unknown;
    try {
      const reader = new ProtocolReader(frame, 4);
      const isApiVersions = request.api === Api.ApiVersions;
      // ApiVersions answers in response header v0 always; a refused version is answered with a v0 body.
      let codec = request.api.responseCodec(request.version);
      if (isApiVersions && frame.length >= 6 && frame.readInt16BE(4) === ErrorCode.UNSUPPORTED_VERSION) codec = request.api.responseCodec(0);
      if (codec.flexible && !isApiVersions) reader.taggedFields();
      body = codec.decode(reader);
    } catch (e) {
      request.reject(
        new NetworkError(`could not decode the ${request.api.name} v${request.version} response from node ${this.nodeId}: ${(e as Error).message}`, {
          cause: e,
        }),
      );
      throw e;
    }
    request.resolve(body);
  }

  private drainWaiting(): void {
    while (this.state === 'ready' && !this.reauthenticating && this.waiting.length > 0 && this.inFlight.canSendMore()) this.write(this.waiting.shift()!);
  }

  /** One timer per connection, set for the earliest deadline of what is in flight. */
  private armTimer(deadlineMs: number): void {
    if (deadlineMs >= this.timerAt) return;
    if (this.timer) clearTimeout(this.timer);
    this.timerAt = deadlineMs;
    this.timer = setTimeout(() => this.checkTimeouts(), Math.max(0, deadlineMs - Date.now()));
  }

  private checkTimeouts(): void {
    this.timer = undefined;
    this.timerAt = Infinity;
    const now = Date.now();
    const earliest = this.inFlight.earliestDeadline();
    if (earliest === Infinity) return;
    if (earliest > now) {
      this.armTimer(earliest);
      return;
    }
    const oldest = this.inFlight.oldest()!;
    this.close(
      new NetworkError(`${oldest.api.name} request to node ${this.nodeId} (${this.address}) timed out after ${now - oldest.sentAtMs} ms; disconnecting`),
    );
  }

  /** Closes the connection; requests in flight or waiting fail with `error` (or a NetworkError). */
  close(error?: Error): void {
    if (this.state === 'closed') return;
    this.state = 'closed';
    if (this.timer) clearTimeout(this.timer);
    if (this.reauthTimer) clearTimeout(this.reauthTimer);
    for (const resolve of this.idleWaiters.splice(0)) resolve();
    this.socket?.destroy();
    const failure = error ?? new NetworkError(`connection to node ${this.nodeId} (${this.address}) was closed`);
    for (const r of this.inFlight.clear()) r.reject(failure);
    for (const r of this.waiting.splice(0)) r.reject(failure);
    this.onClose?.(error);
  }
}

function isIpAddress(host: string): boolean {
  return /^[\d.]+$/.test(host) || host.includes(':');
}
