import { ErrorCode } from '../../protocol/error-codes.js';
import { FindCoordinatorRequest, FindCoordinatorResponse } from '../../protocol/messages/find-coordinator.js';
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
    const self = ctx.broker.liveBrokers().find((b) => b.nodeId === ctx.broker.brokerId)!;
    // While __consumer_offsets loads (or after shutdown began) the group coordinator is not available yet.
    const groupAvailable = (key: string) => ctx.broker.groups?.coordinatorError(key) == null;
    const answer = (key: string): Item<MessageInput<typeof FindCoordinatorResponse>['coordinators']> =>
      request.keyType === GROUP
        ? groupAvailable(key)
          ? { key, nodeId: self.nodeId, host: self.host, port: self.port, errorCode: ErrorCode.NONE, errorMessage: null }
          : { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'the group coordinator is loading __consumer_offsets' }
        : { key, nodeId: -1, host: '', port: -1, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, errorMessage: 'this broker has no transaction coordinator yet' };
    if (ctx.apiVersion >= 4) return { throttleTimeMs: 0, coordinators: request.coordinatorKeys.map(answer) };
    const one = answer(request.key);
    return { throttleTimeMs: 0, errorCode: one.errorCode, errorMessage: one.errorMessage, nodeId: one.nodeId, host: one.host, port: one.port };
  },
};
