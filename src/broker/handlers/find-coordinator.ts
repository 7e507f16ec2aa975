import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/messages/find-coordinator.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { InternalTopic } from '../internal-topic.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { authorized } from './authorize.js';

const GROUP = 0;
const TRANSACTION = 1;

/**
 * FindCoordinator: which broker coordinates a group (key type 0) or a
 * transactional id (key type 1): the leader of the key's partition of
 * __consumer_offsets or __transaction_state. On a single broker it is always
 * this one, once that partition is loaded (COORDINATOR_NOT_AVAILABLE until
 * then); other key types (share groups) get COORDINATOR_NOT_AVAILABLE.
 */
export const findCoordinatorHandler: ApiHandler<typeof FindCoordinatorRequest, typeof FindCoordinatorResponse> = {
  request: FindCoordinatorRequest,
  response: FindCoordinatorResponse,
  handle(request, ctx) {
    const answer = (key: string): Coordinator => {
      // Finding a coordinator needs DESCRIBE on the group or transactional id, as Kafka's.
      if (request.keyType === GROUP)
        return authorized(ctx, AclOperation.DESCRIBE, ResourceType.GROUP, key) ? groupCoordinator(key, ctx) : denied(key, ErrorCode.GROUP_AUTHORIZATION_FAILED);
      if (request.keyType === TRANSACTION)
        return authorized(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, key)
          ? transactionCoordinator(key, ctx)
          : denied(key, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
      return unavailable(key, `key type ${request.keyType} has no coordinator here`);
    };
    if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map(answer) };
    const one = answer(request.key);
    return { throttleTimeMs: 0, errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port };
  },
};

type Coordinator = Item<MessageInput<typeof FindCoordinatorResponse>['coordinators']>;

function denied(key: string, errorCode: number): Coordinator {
  return { key, nodeId: -1, host: '', port: -1, errorCode, errorMessage: null };
}

function unavailable(key: string, why: string): Coordinator {
  return { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: why };
}

/**
 * A group's coordinator is the leader of its __consumer_offsets partition:
 * on a single broker always this one, in a cluster whichever broker the
 * controller made leader. The topic is created on the first lookup. While the
 * partition loads here (or after shutdown began) the coordinator is not available yet.
 */
function groupCoordinator(key: string, ctx: RequestContext): Coordinator {
  const groups = ctx.broker.groups;
  if (!groups) return unavailable(key, 'this broker has no group coordinator');
  return leaderOf(key, groups.offsetsTopic, ctx, (k) => groups.coordinatorError(k));
}

/** A transactional id's coordinator is the leader of its __transaction_state partition, found as a group's is. */
function transactionCoordinator(key: string, ctx: RequestContext): Coordinator {
  const transactions = ctx.broker.transactions;
  if (!transactions) return unavailable(key, 'this broker has no transaction coordinator');
  return leaderOf(key, transactions.states.topic, ctx, (k) => transactions.coordinatorError(k));
}

function leaderOf(key: string, topic: InternalTopic, ctx: RequestContext, localError: (key: string) => number | null): Coordinator {
  const broker = ctx.broker;
  const exists = broker.topics.get(topic.name) !== undefined;
  if (broker.cluster && !exists) {
    topic.ensure().catch((e: unknown) => broker.log('warn', `creating ${topic.name} failed: ${(e as Error).message}`));
    return unavailable(key, `${topic.name} is being created`);
  }
  // A single broker leads every partition, also while it is still creating the topic.
  const leader = exists && broker.cluster ? (broker.topics.partitionMetadata(topic.name, topic.partitionFor(key))?.leader ?? -1) : broker.brokerId;
  const node = broker.liveBrokers(ctx.session.listenerName).find((b) => b.nodeId === leader);
  if (!node) return unavailable(key, `the leader of the key's ${topic.name} partition is not available`);
  if (leader === broker.brokerId && localError(key) != null) return unavailable(key, `the coordinator is loading ${topic.name}`);
  return { key, nodeId: node.nodeId, host: node.host, port: node.port, errorCode: ErrorCode.NONE, errorMessage: null };
}
