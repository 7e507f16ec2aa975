import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AddOffsetsToTxnRequest, AddOffsetsToTxnResponse } from '../../protocol/messages/add-offsets-to-txn.js';
import { OFFSETS_TOPIC } from '../group/offsets-topic.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';
import { fencedForVersion } from './transaction-errors.js';

/**
 * AddOffsetsToTxn: the group's __consumer_offsets partition joins the
 * producer's transaction, so the transaction's marker reaches the offsets
 * it commits there with TxnOffsetCommit.
 */
export const addOffsetsToTxnHandler: ApiHandler<typeof AddOffsetsToTxnRequest, typeof AddOffsetsToTxnResponse> = {
  request: AddOffsetsToTxnRequest,
  response: AddOffsetsToTxnResponse,
  async handle(request, ctx) {
    if (!authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId))
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    if (!authorized(ctx, AclOperation.READ, ResourceType.GROUP, request.groupId)) return { throttleTimeMs: 0, errorCode: ErrorCode.GROUP_AUTHORIZATION_FAILED };
    const coordinator = ctx.broker.transactions;
    const groups = ctx.broker.groups;
    if (!coordinator || !groups) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE };
    const partition = { topic: OFFSETS_TOPIC, partition: groups.offsetsTopic.partitionFor(request.groupId) };
    const code = await coordinator.addPartitionsToTransaction(request.transactionalId, request.producerId, request.producerEpoch, [partition]);
    return { throttleTimeMs: 0, errorCode: fencedForVersion(code, ctx.apiVersion, 2) };
  },
};
