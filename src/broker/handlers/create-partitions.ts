import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { CreatePartitionsRequest, CreatePartitionsResponse } from '../../protocol/messages/create-partitions.js';
import type { Item, MessageInput } from '../../protocol/schema/message-types.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';

type TopicResult = Item<MessageInput<typeof CreatePartitionsResponse>['results']>;

/** CreatePartitions: grows topics to the requested partition count, with replicas placed by the broker or as assigned. */
export const createPartitionsHandler: ApiHandler<typeof CreatePartitionsRequest, typeof CreatePartitionsResponse> = {
  request: CreatePartitionsRequest,
  response: CreatePartitionsResponse,
  async handle(request, ctx) {
    const topics = request.topics;
    const counts = new Map<string, number>();
    for (const t of topics) counts.set(t.name, (counts.get(t.name) ?? 0) + 1);
    const results: TopicResult[] = [];
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
        await ctx.broker.topics.createPartitions(topic, t.count, t.assignments ? t.assignments.map((a) => a.brokerIds) : null, request.validateOnly);
        if (!request.validateOnly) ctx.broker.log('info', `topic ${t.name} grew from ${before} to ${t.count} partitions`);
        results.push({ name: t.name, errorCode: ErrorCode.NONE, errorMessage: null });
      } catch (e) {
        results.push({ name: t.name, errorCode: errorCodeOf(e), errorMessage: (e as Error).message });
      }
    }
    return { throttleTimeMs: 0, results };
  },
};
