import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { TxnOffsetCommitRequest, TxnOffsetCommitResponse } from '../../protocol/messages/txn-offset-commit.js';
import { commitError } from '../group/group-requests.js';
import type { Partition } from '../replica/partition.js';
import { verifyTransactionalOffsetCommit } from '../transaction/transaction-verification.js';
import type { ApiHandler } from './api-handler.js';
import { authorized, splitAuthorized } from './authorize.js';

/** The first version carrying the consumer's membership (KIP-447). */
const MEMBERSHIP_VERSION = 3;

/**
 * TxnOffsetCommit: a transactional producer commits a consumer group's
 * offsets inside its transaction (consume-transform-produce). The group
 * coordinator writes them in a transactional batch of the producer and
 * keeps them pending until the transaction's marker commits or drops them.
 */
export const txnOffsetCommitHandler: ApiHandler<typeof TxnOffsetCommitRequest, typeof TxnOffsetCommitResponse> = {
  request: TxnOffsetCommitRequest,
  response: TxnOffsetCommitResponse,
  async handle(request, ctx) {
    const topics = request.topics.map((t) => ({
      name: t.name,
      partitions: t.partitions.map((p) => ({
        partitionIndex: p.partitionIndex,
        committedOffset: p.committedOffset,
        committedLeaderEpoch: ctx.apiVersion >= 2 ? p.committedLeaderEpoch : -1,
        commitTimestamp: -1,
        committedMetadata: p.committedMetadata,
      })),
    }));
    // WRITE on the transactional id, READ on the group, then READ on each topic (the others are committed).
    if (!authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId))
      return { throttleTimeMs: 0, topics: commitError(topics, ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED) };
    if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId))
      return { throttleTimeMs: 0, topics: commitError(topics, ErrorCode.GROUP_AUTHORIZATION_FAILED) };
    const { allowed, denied: deniedTopics } = splitAuthorized(ctx, AclOperation.READ, ResourceType.TOPIC, topics, (t) => t.name);
    const denied = commitError(deniedTopics, ErrorCode.TOPIC_AUTHORIZATION_FAILED);
    if (denied.length > 0 && denied.length === topics.length) return { throttleTimeMs: 0, topics: denied };
    const groups = ctx.broker.groups;
    if (!groups) return { throttleTimeMs: 0, topics: commitError(topics, ErrorCode.COORDINATOR_NOT_AVAILABLE) };
    const { transactionalId, producerId, producerEpoch } = request;
    const verify = (partition: Partition) =>
      verifyTransactionalOffsetCommit(ctx.broker.addPartitionsToTxnManager, transactionalId, partition, producerId, producerEpoch);
    const withMembership = ctx.apiVersion >= MEMBERSHIP_VERSION;
    const result = await groups.commitTransactionalOffsets(
      {
        groupId: request.groupId,
        memberId: withMembership ? request.memberId : '',
        groupInstanceId: withMembership ? request.groupInstanceId : null,
        generationId: withMembership ? request.generationId : -1,
        retentionTimeMs: -1,
        topics: allowed,
      },
      { producerId, producerEpoch },
      verify,
    );
    return { throttleTimeMs: 0, topics: [...result, ...denied] };
  },
};
