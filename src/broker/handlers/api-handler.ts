import type { MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { MessageSchema } from '../../protocol/schema/schema.js';
import type { BrokerContext } from '../broker-context.js';
import type { ResponseAllowance } from '../network/response-memory.js';
import type { ConnectionSession } from '../security/kafka-principal.js';

/** What a handler knows about the request it answers. */
export interface RequestContext {
  readonly apiVersion: number;
  readonly correlationId: number;
  readonly clientId: string | null;
  /** The client's address as Kafka reports it ("/127.0.0.1"), for group member descriptions. */
  readonly clientHost: string;
  readonly broker: BrokerContext;
  /** The response bytes this request may hold: a handler that reads data into memory reserves it here first. */
  readonly responseMemory: ResponseAllowance;
  /** The listener the request came in on and the principal its connection authenticated as. */
  readonly session: ConnectionSession;
}

/**
 * One Kafka API: its request and response definitions and the function that
 * answers a decoded request with a response body, both typed by the
 * definitions. The response is encoded leniently (fields a version lacks are
 * left out), so one body serves every version. Returning `null` sends no
 * response (Produce with acks=0).
 */
export interface ApiHandler<Req extends MessageSchema, Res extends MessageSchema> extends HandlerVersions {
  readonly request: Req;
  readonly response: Res;
  handle(request: MessageData<Req>, context: RequestContext): Promise<MessageInput<Res> | null> | MessageInput<Res> | null;
  /** Kafka's exemptions from request_percentage: the APIs only brokers send (CLUSTER_ACTION_API), a follower's Fetch. */
  exemptFromRequestQuota?(request: MessageData<Req>, apiVersion: number): boolean;
}

/**
 * Any handler, as the broker's list holds them. KafkaApis decodes each request
 * with the handler's own definition, so what it passes is what the handler's
 * types say, though the list cannot show it.
 */
export interface AnyApiHandler extends HandlerVersions {
  readonly request: MessageSchema;
  readonly response: MessageSchema;
  handle(request: Record<string, unknown>, context: RequestContext): Promise<Record<string, unknown> | null> | Record<string, unknown> | null;
  exemptFromRequestQuota?(request: Record<string, unknown>, apiVersion: number): boolean;
}

/** For the APIs only brokers and controllers send (Kafka's ApiKeys.clusterAction): their time never counts against a request quota. */
export const CLUSTER_ACTION_API = (): boolean => true;

interface HandlerVersions {
  /** Versions advertised by ApiVersions; the definitions' range unless narrowed. */
  readonly minVersion?: number;
  readonly maxVersion?: number;
}
