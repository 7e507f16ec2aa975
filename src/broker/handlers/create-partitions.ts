import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages/create-partitions.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import { UNBOUNDED_MUTATION_QUOTA } from '../quota/controller-mutation-quota.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';
import { controllerMutationQuota, mutationThrottleTimeMs } from './controller-mutation.js';

type TopicResult = Item<MessageInput<typeof CreatePartitionsResponse>['results']>;

/** The first version that answers THROTTLING_QUOTA_EXCEEDED (KIP-599). */
const STRICT_QUOTA_VERSION = 3;

/**
 * CreatePartitions: grows topics to the requested partition count, with
 * replicas placed by the broker or as assigned; the partitions added count
 * against the client's controller_mutation_rate.
 */
export const createPartitionsHandler: ApiHandler<typeof CreatePartitionsRequest, typeof CreatePartitionsResponse> = {
  request: CreatePartitionsRequest,
  response: CreatePartitionsResponse,
  async handle(request, ctx) {
    const topics = request.topics;
    const counts = new Map<string, number>();
    for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: TopicResult[] = [];
    const quota = controllerMutationQuota(ctx, STRICT_QUOTA_VERSION);
    for (const t of topics) {
      if (counts.get(t.name)! > 1) {
        results.push({ name: t.name, errorCode: ErrorCode.INVALID_REQUEST, errorMessage: 'Duplicate topic in request.' });
        continue;
      }
      if (!authorized(ctx, AclOperation.ALTER, ResourceType.TOPIC, t.name)) {
        results.push({ name: t.name, errorCode: ErrorCode.TOPIC_AUTHORIZATION_FAILED, errorMessage: 'Authorization failed.' });
        continue;
      }
      const topic = ctx.broker.topics.get(t.name);
      if (!topic) {
        results.push({ name: t.name, errorCode: ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, errorMessage: `The topic '${t.name}' does not exist.` });
        continue;
      }
      try {
        const before = topic.replicas.length;
        const assignments = t.assignments ? t.assignments.map((a) => a.brokerIds) : null;
        if (!request.validateOnly && quota !== UNBOUNDED_MUTATION_QUOTA) {
          // As Kafka: what is counted is a growth already checked.
          await ctx.broker.topics.createPartitions(topic, t.count, assignments, true);
          quota.record(t.count - before, Date.now());
        }
        await ctx.broker.topics.createPartitions(topic, t.count, assignments, request.validateOnly);
        if (!request.validateOnly) ctx.broker.log('info', `topic ${t.name} grew from ${before} to ${t.count} partitions`);
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (e) {
        results.push({ name: t.name, errorCode: errorCodeOf(e), errorMessage: (e as Error).message });
      }
    }
    return { throttleTimeMs: mutationThrottleTimeMs(ctx, quota), results };
  },
};
