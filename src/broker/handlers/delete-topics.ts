import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import { DeleteTopicsRequest, DeleteTopicsResponse } from '../../protocol/messages/delete-topics.js';
import type { Item, MessageData, MessageInput } from '../../protocol/schema/message-types.js';
import type { TopicInfo } from '../metadata/topic-store.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';
import { controllerMutationQuota, mutationThrottleTimeMs } from './controller-mutation.js';

const ZERO_UUID = Buffer.alloc(16);
/** The first version that answers THROTTLING_QUOTA_EXCEEDED (KIP-599). */
const STRICT_QUOTA_VERSION = 5;

type Wanted = Item<MessageData<typeof DeleteTopicsRequest>['topics']>;
type TopicResult = Item<MessageInput<typeof DeleteTopicsResponse>['responses']>;

/**
 * DeleteTopics: removes topics with their partitions' logs. v1-5 name topics;
 * v6 names them or gives their ids (one or the other). delete.topic.enable=false
 * refuses every deletion (TOPIC_DELETION_DISABLED; INVALID_REQUEST before v3, as Kafka).
 * Each topic's partitions count against the client's controller_mutation_rate.
 */
export const deleteTopicsHandler: ApiHandler<typeof DeleteTopicsRequest, typeof DeleteTopicsResponse> = {
  request: DeleteTopicsRequest,
  response: DeleteTopicsResponse,
  async handle(request, ctx) {
    const wanted: Wanted[] = ctx.apiVersion >= 6 ? request.topics : request.topicNames.map((name) => ({ name, topicId: ZERO_UUID }));
    const broker = ctx.broker;
    const enabled = broker.config.bool('delete.topic.enable');
    const seen = new Set<string>();
    const responses: TopicResult[] = [];
    const quota = controllerMutationQuota(ctx, STRICT_QUOTA_VERSION);
    for (const w of wanted) {
      const byId = w.topicId !== undefined && w.topicId !== null && !w.topicId.equals(ZERO_UUID);
      const result: TopicResult = { name: w.name, topicId: byId ? w.topicId : ZERO_UUID, errorCode: ErrorCode.NONE, errorMessage: null };
      const fail = (errorCode: number, errorMessage: string) => responses.push({ ...result, errorCode, errorMessage });
      if (w.name !== null && byId) {
        fail(ErrorCode.INVALID_REQUEST, 'You may not specify both topic name and topic id.');
        continue;
      }
      if (w.name === null && !byId) {
        fail(ErrorCode.INVALID_REQUEST, 'Neither topic name nor id were specified.');
        continue;
      }
      const key = byId ? `id:${w.topicId.toString('hex')}` : `name:${w.name}`;
      if (seen.has(key)) {
        fail(ErrorCode.INVALID_REQUEST, byId ? 'Duplicate topic id.' : 'Duplicate topic name.');
        continue;
      }
      seen.add(key);
      if (!enabled) {
        fail(ctx.apiVersion < 3 ? ErrorCode.INVALID_REQUEST : ErrorCode.TOPIC_DELETION_DISABLED, 'Topic deletion is disabled.');
        continue;
      }
      // As Kafka: a name needs DELETE before its existence is told; an id is resolved first, and its topic needs DESCRIBE and DELETE.
      if (!byId && !authorized(ctx, AclOperation.DELETE, ResourceType.TOPIC, w.name!)) {
        fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
        continue;
      }
      const topic: TopicInfo | undefined = byId ? broker.topics.getById(w.topicId) : broker.topics.get(w.name!);
      if (
        topic &&
        byId &&
        !(authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, topic.name) && authorized(ctx, AclOperation.DELETE, ResourceType.TOPIC, topic.name))
      ) {
        fail(ErrorCode.TOPIC_AUTHORIZATION_FAILED, 'Authorization failed.');
        continue;
      }
      if (!topic) {
        if (byId) fail(ErrorCode.UNKNOWN_TOPIC_ID, `Topic id ${w.topicId.toString('base64url')} does not exist.`);
        else fail(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION, 'This server does not host this topic-partition.');
        continue;
      }
      result.name = topic.name;
      result.topicId = topic.id;
      if (topic.internal) {
        fail(ErrorCode.INVALID_TOPIC_EXCEPTION, `Topic ${topic.name} is a kafka internal topic and is not allowed to be marked for deletion.`);
        continue;
      }
      try {
        quota.record(topic.replicas.length, Date.now());
        await broker.topics.delete(topic);
        broker.log('info', `deleted topic ${topic.name} (${topic.replicas.length} partition(s))`);
        responses.push(result);
      } catch (e) {
        fail(errorCodeOf(e), (e as Error).message);
      }
    }
    return { throttleTimeMs: mutationThrottleTimeMs(ctx, quota), responses };
  },
};
