import { ErrorCode } from '../../protocol/error-codes.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/messages/find-coordinator.js';
import { OFFSETS_TOPIC } from '../group/offsets-topic.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler, RequestContext } from './api-handler.js';

const GROUP = 0;

/**
 * FindCoordinator: which broker coordinates a group. On a single broker it is
 * always this one, once its __consumer_offsets partitions are loaded
 * (COORDINATOR_NOT_AVAILABLE until then); transaction coordinators do not
 * exist yet, so transactional keys get COORDINATOR_NOT_AVAILABLE.
 */
export const findCoordinatorHandler: ApiHandler<typeof FindCoordinatorRequest, typeof FindCoordinatorResponse> = {
  request: FindCoordinatorRequest,
  response: FindCoordinatorResponse,
  handle(request, ctx) {
    const answer = (key: string): Coordinator =>
      request.keyType === GROUP ? groupCoordinator(key, ctx) : unavailable(key, 'this broker has no transaction coordinator yet');
    if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map(answer) };
    const one = answer(request.key);
    return { throttleTimeMs: 0, errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port };
  },
};

type Coordinator = Item<MessageInput<typeof FindCoordinatorResponse>['coordinators']>;

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
  const broker = ctx.broker;
  const groups = broker.groups;
  if (!groups) return unavailable(key, 'this broker has no group coordinator');
  const offsets = broker.topics.get(OFFSETS_TOPIC);
  if (broker.cluster && !offsets) {
    groups.offsetsTopic.ensure().catch((e: unknown) => broker.log('warn', `creating ${OFFSETS_TOPIC} failed: ${(e as Error).message}`));
    return unavailable(key, `${OFFSETS_TOPIC} is being created`);
  }
  const leader = offsets ? (broker.topics.partitionMetadata(OFFSETS_TOPIC, groups.offsetsTopic.partitionFor(key))?.leader ?? -1) : broker.brokerId;
  const node = broker.liveBrokers(ctx.session.listenerName).find((b) => b.nodeId === leader);
  if (!node) return unavailable(key, `the leader of the group's ${OFFSETS_TOPIC} partition is not available`);
  if (leader === broker.brokerId && groups.coordinatorError(key) != null) return unavailable(key, `the group coordinator is loading ${OFFSETS_TOPIC}`);
  return { key, nodeId: node.nodeId, host: node.host, port: node.port, errorCode: ErrorCode.NONE, errorMessage: null };
}
