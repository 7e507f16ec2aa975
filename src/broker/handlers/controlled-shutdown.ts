import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { ControlledShutdownRequest, ControlledShutdownResponse } from '../../protocol/messages/controlled-shutdown.js';
import { type ApiHandler, CLUSTER_ACTION_API } from './api-handler.js';
import { clusterActionAuthorized } from './authorize.js';

/**
 * ControlledShutdown, answered by the controller: a broker about to stop asks
 * it to move its leaderships away; the answer lists what it still leads. v0
 * travels with request header v0, which samsa does not read: v1 and later.
 */
export const controlledShutdownHandler: ApiHandler<typeof ControlledShutdownRequest, typeof ControlledShutdownResponse> = {
  request: ControlledShutdownRequest,
  response: ControlledShutdownResponse,
  exemptFromRequestQuota: CLUSTER_ACTION_API,
  minVersion: 1,
  async handle(request, ctx) {
    if (!clusterActionAuthorized(ctx)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, remainingPartitions: [] };
    try {
      const remaining = await ctx.broker.cluster!.controller.controlledShutdown(request.brokerId, BigInt(ctx.apiVersion >= 2 ? request.brokerEpoch : -1));
      return { errorCode: ErrorCode.NONE, remainingPartitions: remaining.map((p) => ({ topicName: p.topic, partitionIndex: p.partition })) };
    } catch (e) {
      return { errorCode: errorCodeOf(e), remainingPartitions: [] };
    }
  },
};
