import { ErrorCode } from '../../protocol/error-codes.js';
import { StopReplicaRequest, StopReplicaResponse } from '../../protocol/messages/stop-replica.js';
import { type ApiHandler, CLUSTER_ACTION_API } from './api-handler.js';
import { clusterActionAuthorized } from './authorize.js';
import { staleBrokerEpoch } from './controller-request.js';

/** StopReplica: the controller tells this broker to stop replicating partitions, and to delete them (a deleted topic, a replica moved away). */
export const stopReplicaHandler: ApiHandler<typeof StopReplicaRequest, typeof StopReplicaResponse> = {
  request: StopReplicaRequest,
  response: StopReplicaResponse,
  exemptFromRequestQuota: CLUSTER_ACTION_API,
  async handle(request, ctx) {
    if (!clusterActionAuthorized(ctx)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, partitionErrors: [] };
    const v = ctx.apiVersion;
    const partitions =
      v >= 3
        ? request.topicStates.flatMap((t) =>
            t.partitionStates.map((p) => ({ topic: t.topicName, partition: p.partitionIndex, deletePartition: p.deletePartition })),
          )
        : v >= 1
          ? request.topics.flatMap((t) => t.partitionIndexes.map((partition) => ({ topic: t.name, partition, deletePartition: request.deletePartitions })))
          : request.ungroupedPartitions.map((p) => ({ topic: p.topicName, partition: p.partitionIndex, deletePartition: request.deletePartitions }));
    const stale = await staleBrokerEpoch(ctx, v >= 1 ? request.brokerEpoch : -1);
    if (stale !== null) return { errorCode: stale, partitionErrors: [] };
    const result = await ctx.broker.replicas.stopReplicas(request.controllerEpoch, partitions);
    for (const p of partitions) if (p.deletePartition) ctx.broker.cluster!.topicConfigs.forget(p.topic);
    return {
      errorCode: result.errorCode,
      partitionErrors: partitions.map((p) => ({
        topicName: p.topic,
        partitionIndex: p.partition,
        errorCode: result.partitions.get(`${p.topic}-${p.partition}`) ?? result.errorCode,
      })),
    };
  },
};
