import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterPartitionReassignmentsRequest, AlterPartitionReassignmentsResponse } from '../../protocol/messages/alter-partition-reassignments.js';
import type { ApiHandler } from './api-handler.js';
import { clusterAuthorized } from './authorize.js';
import { byTopic, controllerOf, requestError } from './controller-admin.js';

/**
 * AlterPartitionReassignments (KIP-455), answered by the controller (NOT_CONTROLLER
 * elsewhere): moves each partition to its target replicas, or with null replicas cancels
 * its reassignment in progress; answered once each has started or was refused, through the
 * same machinery /admin/reassign_partitions drives.
 */
export const alterPartitionReassignmentsHandler: ApiHandler<typeof AlterPartitionReassignmentsRequest, typeof AlterPartitionReassignmentsResponse> = {
  request: AlterPartitionReassignmentsRequest,
  response: AlterPartitionReassignmentsResponse,
  async handle(request, ctx) {
    const reassignments = request.topics.flatMap((t) =>
      t.partitions.map((p) => ({ tp: { topic: t.name, partition: p.partitionIndex }, replicas: p.replicas })),
    );
    if (!clusterAuthorized(ctx, AclOperation.ALTER))
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, responses: [] };
    try {
      const results = await controllerOf(ctx).alterPartitionReassignments(reassignments);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        responses: byTopic(results).map(([name, rs]) => ({
          name,
          partitions: rs.map((r) => ({ partitionIndex: r.tp.partition, errorCode: r.errorCode, errorMessage: r.errorMessage })),
        })),
      };
    } catch (e) {
      return { throttleTimeMs: 0, ...requestError(ctx, 'AlterPartitionReassignments', e), responses: [] };
    }
  },
};
