import { AclOperation, CLUSTER_NAME, ResourceType, SUPPORTED_OPERATIONS } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { RequestContext } from './api-handler.js';

/**
 * The one question every handler asks before acting (Kafka's AuthHelper):
 * may this request's principal, from its host, perform `operation` on the
 * resource? Always yes without an authorizer (authorizer.class.name empty).
 */
export function authorized(ctx: RequestContext, operation: number, resourceType: number, name: string): boolean {
  const authorizer = ctx.broker.authorizer;
  return authorizer === undefined || authorizer.authorize(ctx.session.principal, clientIp(ctx), operation, resourceType, name);
}

/** `operation` on the cluster resource. */
export function clusterAuthorized(ctx: RequestContext, operation: number): boolean {
  return authorized(ctx, operation, ResourceType.CLUSTER, CLUSTER_NAME);
}

/** `operation` on some resource of the type (KIP-679's authorizeByResourceType). */
export function authorizedOnAny(ctx: RequestContext, operation: number, resourceType: number): boolean {
  const authorizer = ctx.broker.authorizer;
  return authorizer === undefined || authorizer.authorizeAny(ctx.session.principal, clientIp(ctx), operation, resourceType);
}

/** The names among `names` the request may perform `operation` on, each asked once. */
export function authorizedNames(ctx: RequestContext, operation: number, resourceType: number, names: Iterable<string>): Set<string> {
  const out = new Set<string>();
  for (const name of names) if (!out.has(name) && authorized(ctx, operation, resourceType, name)) out.add(name);
  return out;
}

/** `items` split by whether the request may perform `operation` on each one's resource (named by `nameOf`). */
export function splitAuthorized<T>(
  ctx: RequestContext,
  operation: number,
  resourceType: number,
  items: readonly T[],
  nameOf: (item: T) => string,
): { allowed: T[]; denied: T[] } {
  const allowedNames = authorizedNames(ctx, operation, resourceType, items.map(nameOf));
  const allowed: T[] = [];
  const denied: T[] = [];
  for (const item of items) (allowedNames.has(nameOf(item)) ? allowed : denied).push(item);
  return { allowed, denied };
}

/** Inter-broker requests (the controller's, a follower's fetch, transaction markers) need CLUSTER_ACTION. */
export function clusterActionAuthorized(ctx: RequestContext): boolean {
  return clusterAuthorized(ctx, AclOperation.CLUSTER_ACTION);
}

/** Kafka's ConfigResource.Type ids of a topic and of a broker (a broker logger is 8). */
const CONFIG_TOPIC = 2;

/**
 * The error a config request (DescribeConfigs, AlterConfigs, IncrementalAlterConfigs) gets for a resource
 * it may not `operation` (DESCRIBE_CONFIGS or ALTER_CONFIGS): on the topic for a topic, on the cluster for
 * a broker or broker logger; NONE when allowed.
 */
export function configResourceError(ctx: RequestContext, operation: number, configResourceType: number, name: string): number {
  if (configResourceType === CONFIG_TOPIC) return authorized(ctx, operation, ResourceType.TOPIC, name) ? ErrorCode.NONE : ErrorCode.TOPIC_AUTHORIZATION_FAILED;
  return clusterAuthorized(ctx, operation) ? ErrorCode.NONE : ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
}

/** The operations KIP-430's authorized-operations fields report, per resource type. */
export const TOPIC_OPERATIONS = SUPPORTED_OPERATIONS.get(ResourceType.TOPIC)!;
export const GROUP_OPERATIONS = SUPPORTED_OPERATIONS.get(ResourceType.GROUP)!;
export const CLUSTER_OPERATIONS = SUPPORTED_OPERATIONS.get(ResourceType.CLUSTER)!;

/** KIP-430's authorized-operations bit field: bit n set when operation n is allowed on the resource. */
export function authorizedOperations(ctx: RequestContext, resourceType: number, name: string, operations: readonly number[]): number {
  let bits = 0;
  for (const op of operations) if (authorized(ctx, op, resourceType, name)) bits |= 1 << op;
  return bits;
}

/** The address ACL hosts are compared with: the client's IP, without the slash Kafka prints or an IPv4-mapped prefix. */
function clientIp(ctx: RequestContext): string {
  return ctx.clientHost.replace(/^\//, '').replace(/^::ffff:(?=\d+\.)/, '');
}
