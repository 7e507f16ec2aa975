import { CLUSTER_NAME, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeClusterRequest, DescribeClusterResponse } from '../../protocol/messages/describe-cluster.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler } from './api-handler.js';
import { authorizedOperations, CLUSTER_OPERATIONS } from './authorize.js';

const BROKERS = 1;
const NO_AUTHORIZED_OPERATIONS = -2147483648;

/** DescribeCluster (KIP-700): the cluster id, the controller and the live brokers. */
export const describeClusterHandler: ApiHandler<typeof DescribeClusterRequest, typeof DescribeClusterResponse> = {
  request: DescribeClusterRequest,
  response: DescribeClusterResponse,
  handle(request, ctx) {
    const broker = ctx.broker;
    const endpointType = ctx.apiVersion >= 1 ? request.endpointType : BROKERS;
    const base = { throttleTimeMs: 0, endpointType, clusterId: broker.clusterId, clusterAuthorizedOperations: NO_AUTHORIZED_OPERATIONS };
    // A broker does not list controllers (KIP-919).
    if (endpointType !== BROKERS) {
      return {
        ...base,
        errorCode: ErrorCode.UNSUPPORTED_ENDPOINT_TYPE,
        errorMessage: `The broker does not support endpoint type ${endpointType}; ask a controller for controllers`,
        controllerId: -1,
        brokers: [],
      };
    }
    return {
      ...base,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      controllerId: broker.controllerId(),
      brokers: broker
        .liveBrokers(ctx.session.listenerName)
        .map((b): Item<MessageInput<typeof DescribeClusterResponse>['brokers']> => ({ brokerId: b.nodeId, host: b.host, port: b.port, rack: b.rack })),
      // Without an authorizer every operation is allowed, and Kafka reports them all.
      clusterAuthorizedOperations: request.includeClusterAuthorizedOperations
        ? authorizedOperations(ctx, ResourceType.CLUSTER, CLUSTER_NAME, CLUSTER_OPERATIONS)
        : NO_AUTHORIZED_OPERATIONS,
    };
  },
};
