import { ErrorCode } from '../../protocol/error-codes.js';
import { RequestHeader } from '../../protocol/messages/headers.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/messages/sasl-authenticate.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/messages/sasl-handshake.js';
import { ProtocolReader } from '../../protocol/reader.js';
import { compileMessage } from '../../protocol/schema/compile.js';
import type { BrokerLog } from '../broker-log.js';
import { frameOf } from '../kafka-apis.js';
import { type KafkaPrincipal, userPrincipal } from './kafka-principal.js';
import { SaslAuthenticationError, type SaslServer } from './sasl/sasl-server.js';

const API_VERSIONS_KEY = 18;
const SASL_HANDSHAKE_KEY = 17;
const SASL_AUTHENTICATE_KEY = 36;

const headerV1 = compileMessage(RequestHeader).get(1)!;
const headerV2 = compileMessage(RequestHeader).get(2)!;
const handshakeRequests = compileMessage(SaslHandshakeRequest);
const handshakeResponses = compileMessage(SaslHandshakeResponse);
const authenticateRequests = compileMessage(SaslAuthenticateRequest);
const authenticateResponses = compileMessage(SaslAuthenticateResponse);

/** What the connection does with a frame received before authentication completed. */
export interface AuthenticationReply {
  /** The response frame, or null for none. */
  readonly response: Buffer[] | null;
  /** Close the connection once the response (if any) is written. */
  readonly close: boolean;
}

export interface SaslListener {
  readonly listenerName: string;
  /** sasl.enabled.mechanisms of the listener, each with what answers it. */
  readonly mechanisms: ReadonlyMap<string, () => SaslServer>;
  /** connection.failed.authentication.delay.ms */
  readonly failureDelayMs: number;
  /** connections.max.reauth.ms: how long an authenticated session lasts before the client must authenticate again (0: for ever). */
  readonly reauthMs: number;
  readonly log: BrokerLog;
}

/**
 * Kafka's SaslServerAuthenticator, one per connection on a SASL listener:
 * nothing but ApiVersions, SaslHandshake and the mechanism's tokens is served
 * until the client has authenticated. After SaslHandshake v0 the tokens come
 * as raw frames; after v1 inside SaslAuthenticate requests (KIP-152). Any
 * other request, a mechanism not enabled, or failed authentication closes the
 * connection, the last after connection.failed.authentication.delay.ms and
 * logged with the client's address. With connections.max.reauth.ms (KIP-368)
 * a session lasts that long: SaslAuthenticate v1+ tells the client, which
 * authenticates again on the same connection (a new SaslHandshake, as the
 * same principal) before it ends; a request after the end closes the connection.
 */
export class SaslServerAuthenticator {
  private state: 'handshake' | 'raw-tokens' | 'authenticate' | 'complete' | 'failed' = 'handshake';
  private server: SaslServer | undefined;
  principal: KafkaPrincipal | undefined;
  /** When the authenticated session ends (Date.now() ms; Infinity without connections.max.reauth.ms). */
  sessionExpiresAt = Infinity;
  /** During a re-authentication: who the connection was, whom it must stay. */
  private previousPrincipal: KafkaPrincipal | undefined;

  constructor(
    private readonly listener: SaslListener,
    private readonly clientAddress: string,
    /** Answers an ApiVersions request frame, which clients send before the handshake. */
    private readonly apiVersions: (frame: Buffer) => Promise<Buffer[] | null>,
  ) {}

  get complete(): boolean {
    return this.state === 'complete';
  }

  /** Whether an authenticated connection may authenticate again (KIP-368), which a SaslHandshake then starts. */
  get reauthenticates(): boolean {
    return this.state === 'complete' && this.listener.reauthMs > 0;
  }

  /** A SaslHandshake arrived on an authenticated connection: its tokens follow, and must name the same principal. */
  beginReauthentication(): void {
    this.previousPrincipal = this.principal;
    this.server = undefined;
    this.state = 'handshake';
  }

  /** Logs why an expired session's connection is closed. */
  expired(what: string): void {
    this.state = 'failed';
    this.warn(
      `the session of ${this.principal ? `User:${this.principal.name}` : 'the client'} expired (connections.max.reauth.ms ${this.listener.reauthMs}) before ${what}; closing the connection`,
    );
  }

  /** Decides what `frame` gets at once, in arrival order, so a request pipelined behind the handshake is judged in the state the handshake left. */
  receive(frame: Buffer): Promise<AuthenticationReply> {
    try {
      switch (this.state) {
        case 'raw-tokens':
          return this.token(frame, null);
        case 'handshake':
        case 'authenticate':
          return this.request(frame);
        default:
          return Promise.resolve(this.illegal(`a request arrived after authentication ${this.state === 'failed' ? 'failed' : 'completed'}`));
      }
    } catch (e) {
      return Promise.resolve(this.illegal(`an unreadable SASL frame (${(e as Error).message})`));
    }
  }

  private request(frame: Buffer): Promise<AuthenticationReply> {
    if (frame.length < 8) return Promise.resolve(this.illegal(`a frame of ${frame.length} bytes`));
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    if (apiKey === API_VERSIONS_KEY && this.state === 'handshake') return this.apiVersions(frame).then((response) => ({ response, close: false }));
    if (apiKey === SASL_HANDSHAKE_KEY && handshakeRequests.has(apiVersion)) return Promise.resolve(this.handshake(frame, apiVersion));
    if (apiKey === SASL_AUTHENTICATE_KEY && authenticateRequests.has(apiVersion)) {
      const codec = authenticateRequests.get(apiVersion)!;
      const reader = new ProtocolReader(frame);
      const header = (codec.flexible ? headerV2 : headerV1).decode(reader);
      const request = codec.decode(reader);
      if (this.state !== 'authenticate') {
        this.state = 'failed';
        this.warn(`ILLEGAL_SASL_STATE: SaslAuthenticate before SaslHandshake`);
        return Promise.resolve({
          response: this.authenticateResponse(
            header.correlationId,
            apiVersion,
            ErrorCode.ILLEGAL_SASL_STATE,
            'Unexpected SaslAuthenticate request before SaslHandshake',
            Buffer.alloc(0),
          ),
          close: true,
        });
      }
      return this.token(request.authBytes, { correlationId: header.correlationId, apiVersion });
    }
    return Promise.resolve(this.illegal(`a request of API key ${apiKey} version ${apiVersion}`));
  }

  private handshake(frame: Buffer, apiVersion: number): AuthenticationReply {
    const reader = new ProtocolReader(frame);
    const header = headerV1.decode(reader);
    const { mechanism } = handshakeRequests.get(apiVersion)!.decode(reader);
    const enabled = [...this.listener.mechanisms.keys()];
    const respond = (errorCode: number) =>
      frameOf((w) => {
        w.int32(header.correlationId);
        handshakeResponses.get(apiVersion)!.encode(w, { errorCode, mechanisms: enabled });
      });
    if (this.state !== 'handshake') {
      this.state = 'failed';
      this.warn('ILLEGAL_SASL_STATE: a second SaslHandshake');
      return { response: respond(ErrorCode.ILLEGAL_SASL_STATE), close: true };
    }
    const newServer = this.listener.mechanisms.get(mechanism);
    if (!newServer) {
      this.state = 'failed';
      this.warn(`UNSUPPORTED_SASL_MECHANISM: the client asked for ${JSON.stringify(mechanism.slice(0, 64))}; enabled are ${enabled.join(', ')}`);
      return { response: respond(ErrorCode.UNSUPPORTED_SASL_MECHANISM), close: true };
    }
    this.server = newServer();
    this.state = apiVersion === 0 ? 'raw-tokens' : 'authenticate';
    return { response: respond(ErrorCode.NONE), close: false };
  }

  /** One token of the mechanism; `request` is the SaslAuthenticate it came in, null for a raw token (handshake v0). */
  private async token(bytes: Buffer, request: { correlationId: number; apiVersion: number } | null): Promise<AuthenticationReply> {
    const server = this.server!;
    let challenge: Buffer;
    try {
      challenge = server.evaluate(bytes);
    } catch (e) {
      this.state = 'failed';
      const message =
        e instanceof SaslAuthenticationError
          ? e.message
          : `Authentication failed during authentication due to invalid credentials with SASL mechanism ${server.mechanism}`;
      this.warn(`Failed authentication with SASL mechanism ${server.mechanism} (${message})`);
      // Against brute force: the answer, and the close, wait.
      await new Promise((resolve) => setTimeout(resolve, this.listener.failureDelayMs));
      if (!request) return { response: null, close: true };
      return {
        response: this.authenticateResponse(request.correlationId, request.apiVersion, ErrorCode.SASL_AUTHENTICATION_FAILED, message, Buffer.alloc(0)),
        close: true,
      };
    }
    if (server.complete) {
      const principal = userPrincipal(server.authorizationId!);
      const previous = this.previousPrincipal;
      this.previousPrincipal = undefined;
      if (previous && previous.name !== principal.name) {
        this.state = 'failed';
        const message = `Cannot change principals during re-authentication from User:${previous.name} to User:${principal.name}`;
        this.warn(message);
        if (!request) return { response: null, close: true };
        return {
          response: this.authenticateResponse(request.correlationId, request.apiVersion, ErrorCode.SASL_AUTHENTICATION_FAILED, message, Buffer.alloc(0)),
          close: true,
        };
      }
      this.state = 'complete';
      this.principal = principal;
      if (this.listener.reauthMs > 0) this.sessionExpiresAt = Date.now() + this.listener.reauthMs;
      if (previous)
        this.listener.log('info', `User:${principal.name} re-authenticated (client /${this.clientAddress} on listener ${this.listener.listenerName})`);
    }
    if (!request) {
      const size = Buffer.allocUnsafe(4);
      size.writeInt32BE(challenge.length, 0);
      return { response: [size, challenge], close: false };
    }
    return { response: this.authenticateResponse(request.correlationId, request.apiVersion, ErrorCode.NONE, null, challenge), close: false };
  }

  private authenticateResponse(correlationId: number, apiVersion: number, errorCode: number, errorMessage: string | null, authBytes: Buffer): Buffer[] {
    const codec = authenticateResponses.get(apiVersion)!;
    return frameOf((w) => {
      w.int32(correlationId);
      if (codec.flexible) w.taggedFields();
      // The session's length goes with the last token: the client re-authenticates before it ends.
      const sessionLifetimeMs = errorCode === ErrorCode.NONE && this.state === 'complete' ? this.listener.reauthMs : 0;
      codec.encode(w, { errorCode, errorMessage, authBytes, sessionLifetimeMs });
    });
  }

  private illegal(what: string): AuthenticationReply {
    this.state = 'failed';
    this.warn(`ILLEGAL_SASL_STATE: ${what} before authentication completed; closing the connection`);
    return { response: null, close: true };
  }

  private warn(message: string): void {
    this.listener.log('warn', `${message} (client /${this.clientAddress} on listener ${this.listener.listenerName})`);
  }
}
