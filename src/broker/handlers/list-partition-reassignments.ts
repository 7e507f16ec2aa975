import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ListPartitionReassignmentsRequest, ListPartitionReassignmentsResponse } from '../../protocol/messages/list-partition-reassignments.js';
import type { ApiHandler } from './api-handler.js';
import { clusterAuthorized } from './authorize.js';
import { byTopic, controllerOf, requestError } from './controller-admin.js';

/**
 * ListPartitionReassignments (KIP-455), answered by the controller (NOT_CONTROLLER
 * elsewhere): the partitions named, or every partition, whose reassignment is in progress,
 * with all their replicas and those being added and removed. Partitions that do not exist
 * or are not moving are left out, as in Kafka.
 */
export const listPartitionReassignmentsHandler: ApiHandler<typeof ListPartitionReassignmentsRequest, typeof ListPartitionReassignmentsResponse> = {
  request: ListPartitionReassignmentsRequest,
  response: ListPartitionReassignmentsResponse,
  async handle(request, ctx) {
    const partitions = request.topics === null ? null : request.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition })));
    if (!clusterAuthorized(ctx, AclOperation.DESCRIBE))
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, topics: [] };
    try {
      const ongoing = await controllerOf(ctx).listPartitionReassignments(partitions);
      return {
        throttleTimeMs: 0,
        errorCode: ErrorCode.NONE,
        errorMessage: null,
        topics: byTopic(ongoing).map(([name, ps]) => ({
          name,
          partitions: ps.map(({ tp, assignment }) => ({
            partitionIndex: tp.partition,
            replicas: assignment.replicas,
            addingReplicas: assignment.addingReplicas,
            removingReplicas: assignment.removingReplicas,
          })),
        })),
      };
    } catch (e) {
      return { throttleTimeMs: 0, ...requestError(ctx, 'ListPartitionReassignments', e), topics: [] };
    }
  },
};
