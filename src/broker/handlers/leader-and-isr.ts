import { ErrorCode } from '../../protocol/error-codes.js';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../protocol/messages/leader-and-isr.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { LeaderAndIsrPartition } from '../replica/replica-manager.js';
import { type ApiHandler, CLUSTER_ACTION_API } from './api-handler.js';
import { clusterActionAuthorized } from './authorize.js';
import { staleBrokerEpoch } from './controller-request.js';

type Response = MessageInput<typeof LeaderAndIsrResponse>;
const ZERO_UUID = Buffer.alloc(16);

/**
 * LeaderAndIsr: the controller tells this broker which partitions it leads
 * and which it follows, with their leader epochs and ISRs. The replica
 * manager applies them (creating logs with the topic's configs from
 * ZooKeeper); the answer carries an error per partition.
 */
export const leaderAndIsrHandler: ApiHandler<typeof LeaderAndIsrRequest, typeof LeaderAndIsrResponse> = {
  request: LeaderAndIsrRequest,
  response: LeaderAndIsrResponse,
  exemptFromRequestQuota: CLUSTER_ACTION_API,
  async handle(request, ctx) {
    if (!clusterActionAuthorized(ctx)) return { errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, partitionErrors: [], topics: [] };
    const cluster = ctx.broker.cluster!;
    const v = ctx.apiVersion;
    const grouped =
      v >= 2
        ? request.topicStates.flatMap((t) =>
            t.partitionStates.map((p) => ({ topic: t.topicName, topicId: v >= 5 ? t.topicId : (cluster.metadata.topic(t.topicName)?.id ?? ZERO_UUID), p })),
          )
        : request.ungroupedPartitionStates.map((p) => ({ topic: p.topicName, topicId: cluster.metadata.topic(p.topicName)?.id ?? ZERO_UUID, p }));
    const stale = await staleBrokerEpoch(ctx, v >= 2 ? request.brokerEpoch : -1);
    let errorCode: number = stale ?? ErrorCode.NONE;
    let errors = new Map<string, number>();
    if (stale === null) {
      const states: LeaderAndIsrPartition[] = grouped.map(({ topic, topicId, p }) => ({
        topic,
        topicId,
        partition: p.partitionIndex,
        controllerEpoch: p.controllerEpoch,
        leader: p.leader,
        leaderEpoch: p.leaderEpoch,
        isr: p.isr,
        partitionEpoch: p.partitionEpoch,
        replicas: p.replicas,
      }));
      const leaders = request.liveLeaders.map((l) => ({ brokerId: l.brokerId, host: l.hostName, port: l.port }));
      const result = await ctx.broker.replicas.applyLeaderAndIsr(request.controllerEpoch, states, leaders, async (topic) => {
        const overrides = await cluster.topicConfigs.fetch(topic);
        return { config: ctx.broker.topics.logConfig({ name: topic, id: ZERO_UUID, replicas: [], configs: { ...overrides }, internal: false }), overrides };
      });
      errorCode = result.errorCode;
      errors = result.partitions;
    }
    const codeOf = (topic: string, partition: number) => (errorCode !== ErrorCode.NONE ? errorCode : (errors.get(`${topic}-${partition}`) ?? ErrorCode.NONE));
    if (v < 5) {
      return {
        errorCode,
        partitionErrors: grouped.map(({ topic, p }) => ({ topicName: topic, partitionIndex: p.partitionIndex, errorCode: codeOf(topic, p.partitionIndex) })),
      };
    }
    const topics = new Map<string, Item<Response['topics']>>();
    for (const { topic, topicId, p } of grouped) {
      let entry = topics.get(topic);
      if (!entry) topics.set(topic, (entry = { topicId, partitionErrors: [] }));
      (entry.partitionErrors as Array<{ partitionIndex: number; errorCode: number }>).push({
        partitionIndex: p.partitionIndex,
        errorCode: codeOf(topic, p.partitionIndex),
      });
    }
    return { errorCode, topics: [...topics.values()] };
  },
};
