import { ErrorCode } from '../protocol/error-codes.js';
import { ApiVersionsResponse } from '../protocol/messages/api-versions.js';
import { RequestHeader } from '../protocol/messages/headers.js';
import { ProtocolError } from '../protocol/protocol-error.js';
import { ProtocolReader } from '../protocol/reader.js';
import { compileMessage, type VersionCodec } from '../protocol/schema/compile.js';
import { ProtocolWriter } from '../protocol/writer.js';
import type { BrokerContext } from './broker-context.js';
import type { AnyApiHandler } from './handlers/api-handler.js';
import { ResponseAllowance, ResponseMemory } from './network/response-memory.js';
import { ANONYMOUS, type ConnectionSession } from './security/kafka-principal.js';

const PRODUCE_KEY = 0;
const API_VERSIONS_KEY = 18;

interface CompiledApi {
  handler: AnyApiHandler;
  min: number;
  max: number;
  requests: Map<number, VersionCodec>;
  responses: Map<number, VersionCodec>;
}

/** A request the broker cannot even parse far enough to answer; the connection is closed, as Kafka does. */
export class InvalidRequestError extends ProtocolError {}

/**
 * Routes request frames to API handlers (Kafka's KafkaApis): reads the
 * header, checks the API and version, decodes the body with the compiled
 * definition, runs the handler and encodes the response frame.
 */
export class KafkaApis {
  private readonly apis = new Map<number, CompiledApi>();
  private readonly headerV1 = compileMessage(RequestHeader).get(1)!;
  private readonly headerV2 = compileMessage(RequestHeader).get(2)!;
  private readonly apiVersionsV0 = compileMessage(ApiVersionsResponse).get(0)!;

  constructor(
    handlers: readonly AnyApiHandler[],
    private readonly context: BrokerContext,
  ) {
    for (const handler of handlers) {
      const min = handler.minVersion ?? handler.request.validVersions.min;
      const max = handler.maxVersion ?? handler.request.validVersions.max;
      // Handlers build one response shape for every version; fields a version lacks are left out.
      this.apis.set(handler.request.apiKey, {
        handler,
        min,
        max,
        requests: compileMessage(handler.request),
        responses: compileMessage(handler.response, { strict: false }),
      });
      context.metrics?.requests.register(handler.request.apiKey, handler.request.name.replace(/Request$/, ''));
    }
  }

  /** The ApiVersions list: every API with the versions this broker answers. */
  supportedVersions(): Array<{ apiKey: number; minVersion: number; maxVersion: number }> {
    return [...this.apis.entries()].sort(([a], [b]) => a - b).map(([apiKey, api]) => ({ apiKey, minVersion: api.min, maxVersion: api.max }));
  }

  /**
   * Answers one request frame (without its length prefix). Resolves to the
   * response frame's chunks, or null for no response. `allowance` is the
   * connection's share of response memory and its muting; frames without one
   * (a SASL authenticator's, before the connection is authenticated, as
   * Kafka's authenticator answers them itself) are not measured against
   * request quotas.
   */
  handle(frame: Buffer, clientAddress = '', allowance?: ResponseAllowance, session: ConnectionSession = this.defaultSession()): Promise<Buffer[] | null> {
    const metrics = this.context.metrics;
    if (!metrics) return this.answer(frame, clientAddress, allowance, session);
    // Kafka's request time, from a decoded frame to its encoded response (waits included: a long poll, acks=all).
    const started = performance.now();
    const apiKey = frame.length >= 2 ? frame.readInt16BE(0) : -1;
    return this.answer(frame, clientAddress, allowance, session).finally(() => metrics.requests.observe(apiKey, performance.now() - started));
  }

  private async answer(frame: Buffer, clientAddress: string, connection: ResponseAllowance | undefined, session: ConnectionSession): Promise<Buffer[] | null> {
    // Only when some entity has a request_percentage is a request's time measured: otherwise this costs a check.
    const timed = connection !== undefined && this.context.quotas.enabled('request');
    const started = timed ? performance.now() : 0;
    const allowance = connection ?? unlimitedAllowance();
    if (frame.length < 8) throw new InvalidRequestError(`request of ${frame.length} bytes is shorter than a request header`);
    const apiKey = frame.readInt16BE(0);
    const apiVersion = frame.readInt16BE(2);
    const correlationId = frame.readInt32BE(4);
    const api = this.apis.get(apiKey);
    if (!api) throw new InvalidRequestError(`unsupported API key ${apiKey}`);
    if (apiVersion < api.min || apiVersion > api.max) {
      // A client asking a newer ApiVersions than we know gets our list in a v0 body (KIP-511), so it can fall back.
      if (apiKey === API_VERSIONS_KEY) return this.unsupportedApiVersions(correlationId);
      throw new InvalidRequestError(
        `unsupported version ${apiVersion} of API ${api.handler.request.name.replace(/Request$/, '')} (key ${apiKey}); this broker supports ${api.min}-${api.max}`,
      );
    }
    const codec = api.requests.get(apiVersion)!;
    const reader = new ProtocolReader(frame);
    const header = (codec.flexible ? this.headerV2 : this.headerV1).decode(reader);
    const body = codec.decode(reader);
    const user = session.principal.name;
    const clientId = header.clientId ?? '';
    if (apiKey === PRODUCE_KEY) {
      // A produce request's bytes count against the producer_byte_rate quota as they arrive: over it, the connection stops reading at once and the answer says for how long.
      allowance.throttle(this.context.quotas.recordAndGetThrottleTimeMs('produce', user, clientId, frame.length, Date.now()));
    }
    const counted = timed && api.handler.exemptFromRequestQuota?.(body, apiVersion) !== true;
    const pending = api.handler.handle(body, {
      apiVersion,
      correlationId,
      clientId: header.clientId,
      clientHost: `/${clientAddress}`,
      broker: this.context,
      responseMemory: allowance,
      session,
    });
    // A request's own time is its decoding and its handler's run up to the first wait: as Kafka counts a
    // request handler thread's time, not the time a request waits (a long poll, replication for acks=all).
    const handledMs = counted ? performance.now() - started : 0;
    const answered = await pending;
    const resumed = counted ? performance.now() : 0;
    if (counted) allowance.throttle(this.context.quotas.recordAndGetThrottleTimeMs('request', user, clientId, percentSeconds(handledMs), Date.now()));
    if (answered === null) return null;
    // The response carries the longest throttle any quota put on the request (Kafka's max of them), a mutation quota's included.
    const response =
      allowance.throttleMs > ((answered as { throttleTimeMs?: number }).throttleTimeMs ?? 0) ? { ...answered, throttleTimeMs: allowance.throttleMs } : answered;
    const responseCodec = api.responses.get(apiVersion)!;
    // ApiVersions always answers with response header v0, so any client can read it (librdkafka relies on this).
    const flexibleHeader = responseCodec.flexible && apiKey !== API_VERSIONS_KEY;
    const encoded = frameOf((w) => {
      w.int32(correlationId);
      if (flexibleHeader) w.taggedFields();
      responseCodec.encode(w, response);
    });
    // Encoding comes after the throttle is known (the response says it): it counts towards the next one, as Kafka's network thread time does.
    if (counted) this.context.quotas.record('request', user, clientId, percentSeconds(performance.now() - resumed), Date.now());
    return encoded;
  }

  /** For frames answered outside a connection (tests, tools): the first listener, no principal. */
  private defaultSession(): ConnectionSession {
    const listener = this.context.config.listeners[0]!;
    return { listenerName: listener.name, securityProtocol: listener.securityProtocol, principal: ANONYMOUS };
  }

  private unsupportedApiVersions(correlationId: number): Buffer[] {
    return frameOf((w) => {
      w.int32(correlationId);
      this.apiVersionsV0.encode(w, { errorCode: ErrorCode.UNSUPPORTED_VERSION, apiKeys: this.supportedVersions() });
    });
  }
}

/** Time as request_percentage counts it: a percent of one thread for a second is 10 ms. */
function percentSeconds(ms: number): number {
  return ms / 10;
}

/** For frames answered outside a connection (authentication): no budget to respect, and what responses carry is left to the garbage collector. */
function unlimitedAllowance(): ResponseAllowance {
  return new ResponseAllowance(new ResponseMemory(Number.MAX_SAFE_INTEGER), new ResponseMemory(Number.MAX_SAFE_INTEGER));
}

/** A response frame: the 4-byte size, then what `write` writes, as chunks for a vectored socket write. */
export function frameOf(write: (w: ProtocolWriter) => void): Buffer[] {
  const w = new ProtocolWriter(256);
  write(w);
  const chunks = w.chunks();
  const size = Buffer.allocUnsafe(4);
  size.writeInt32BE(w.length, 0);
  return [size, ...chunks];
}
