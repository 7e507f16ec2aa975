import type { MessageSchema } from '../../protocol/schema/schema.js';
import type { BrokerContext } from '../broker-context.js';
import type { ResponseAllowance } from '../network/response-memory.js';

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
}

/**
 * One Kafka API: its request and response definitions and the function that
 * answers a decoded request with a response body. Returning `null` sends no
 * response (Produce with acks=0).
 */
export interface ApiHandler<Req = any, Res = any> {
  readonly request: MessageSchema;
  readonly response: MessageSchema;
  /** Versions advertised by ApiVersions; the definitions' range unless narrowed. */
  readonly minVersion?: number;
  readonly maxVersion?: number;
  handle(request: Req, context: RequestContext): Promise<Res | null> | Res | null;
}
