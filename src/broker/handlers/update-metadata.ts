import { ErrorCode } from '../../protocol/error-codes.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../../protocol/messages/update-metadata.js';
import { type ApiHandler, CLUSTER_ACTION_API } from './api-handler.js';
import { clusterActionAuthorized } from './authorize.js';
import { staleBrokerEpoch } from './controller-request.js';

/** UpdateMetadata: the controller's view of the cluster (live brokers, every partition's leader and ISR), kept in the metadata cache every client request is answered from. */
export const updateMetadataHandler: ApiHandler<typeof UpdateMetadataRequest, typeof UpdateMetadataResponse> = {
  request: UpdateMetadataRequest,
  response: UpdateMetadataResponse,
  exemptFromRequestQuota: CLUSTER_ACTION_API,
  async handle(request, ctx) {
    if (!clusterActionAuthorized(ctx)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED };
    const stale = await staleBrokerEpoch(ctx, ctx.apiVersion >= 5 ? request.brokerEpoch : -1);
    if (stale !== null) return { errorCode: stale };
    const applied = ctx.broker.cluster!.metadata.update(request, ctx.apiVersion);
    return { errorCode: applied ? ErrorCode.NONE : ErrorCode.STALE_CONTROLLER_EPOCH };
  },
};
