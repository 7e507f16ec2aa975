import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import { ElectionType, ElectLeadersRequest, ElectLeadersResponse } from '../../protocol/messages/elect-leaders.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ElectionResult } from '../controller/controller-admin.js';
import type { ApiHandler, RequestContext } from './api-handler.js';
import { clusterAuthorized } from './authorize.js';
import { byTopic, controllerOf, requestError } from './controller-admin.js';

type ReplicaElectionResult = Item<MessageInput<typeof ElectLeadersResponse>['replicaElectionResults']>;

/**
 * ElectLeaders (KIP-183, KIP-460), answered by the controller, NOT_CONTROLLER elsewhere:
 * preferred (v0 knows no other) or unclean elections of the partitions named, or of every
 * partition (then only those an election concerned are answered, not those that needed
 * none). The answer waits until this broker's metadata shows each new leader, as Kafka's
 * DelayedElectLeader does, at most the request's timeoutMs: a leader not shown by then is
 * answered REQUEST_TIMED_OUT (its election stands).
 */
export const electLeadersHandler: ApiHandler<typeof ElectLeadersRequest, typeof ElectLeadersResponse> = {
  request: ElectLeadersRequest,
  response: ElectLeadersResponse,
  async handle(request, ctx) {
    const deadline = Date.now() + request.timeoutMs;
    const partitions =
      request.topicPartitions === null ? null : request.topicPartitions.flatMap((t) => t.partitions.map((partition) => ({ topic: t.topic, partition })));
    const electionType = ctx.apiVersion >= 1 ? (request.electionType as ElectionType) : ElectionType.Preferred;
    let results: ElectionResult[];
    if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
      const errorCode = ErrorCode.CLUSTER_AUTHORIZATION_FAILED;
      return answer(
        errorCode,
        (partitions ?? []).map((tp) => ({ tp, errorCode, errorMessage: null, leader: -1 })),
      );
    }
    try {
      if (electionType !== ElectionType.Preferred && electionType !== ElectionType.Unclean)
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `Unknown election type ${electionType}`);
      results = await controllerOf(ctx).electLeaders(electionType, partitions);
    } catch (e) {
      const { errorCode, errorMessage } = requestError(ctx, 'ElectLeaders', e);
      // v0 has no top-level error: each partition named carries it
      return answer(
        errorCode,
        (partitions ?? []).map((tp) => ({ tp, errorCode, errorMessage, leader: -1 })),
      );
    }
    results = await awaitNewLeaders(ctx, results, deadline);
    return answer(ErrorCode.NONE, partitions === null ? results.filter((r) => r.errorCode !== ErrorCode.ELECTION_NOT_NEEDED) : results);
  },
};

/** The results once this broker's metadata shows every new leader, or by the deadline (those not shown then: REQUEST_TIMED_OUT). */
async function awaitNewLeaders(ctx: RequestContext, results: ElectionResult[], deadline: number): Promise<ElectionResult[]> {
  const metadata = ctx.broker.cluster?.metadata;
  if (metadata === undefined) return results;
  const shown = (r: ElectionResult) => metadata.partition(r.tp.topic, r.tp.partition)?.leader === r.leader;
  const elected = results.filter((r) => r.errorCode === ErrorCode.NONE);
  await metadata.waitFor(() => elected.every(shown), deadline - Date.now());
  return results.map((r) => (r.errorCode === ErrorCode.NONE && !shown(r) ? { ...r, errorCode: ErrorCode.REQUEST_TIMED_OUT, errorMessage: null } : r));
}

function answer(errorCode: number, results: readonly ElectionResult[]): MessageInput<typeof ElectLeadersResponse> {
  return {
    throttleTimeMs: 0,
    errorCode,
    replicaElectionResults: byTopic(results).map(
      ([topic, rs]): ReplicaElectionResult => ({
        topic,
        partitionResult: rs.map((r) => ({ partitionId: r.tp.partition, errorCode: r.errorCode, errorMessage: r.errorMessage })),
      }),
    ),
  };
}
