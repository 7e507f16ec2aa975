import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/init-producer-id.js';
import type { ApiHandler } from './api-handler.js';
import { authorized, authorizedOnAny, clusterAuthorized } from './authorize.js';
import { fencedForVersion } from './transaction-errors.js';

/** InitProducerId v4 introduced PRODUCER_FENCED; older clients are told INVALID_PRODUCER_EPOCH. */
const PRODUCER_FENCED_VERSION = 4;

/**
 * InitProducerId: a fresh producer id, epoch 0, for an idempotent producer;
 * for a transactional id the transaction coordinator's answer (the id's
 * producer with its epoch bumped, fencing the previous one; KIP-360's
 * ProducerId/ProducerEpoch from v3 for a producer resuming after an error).
 */
export const initProducerIdHandler: ApiHandler<typeof InitProducerIdRequest, typeof InitProducerIdResponse> = {
  request: InitProducerIdRequest,
  response: InitProducerIdResponse,
  async handle(request, ctx) {
    const transactionalId = request.transactionalId;
    // A transactional producer needs WRITE on its id; an idempotent one IDEMPOTENT_WRITE on the cluster or, since KIP-679, WRITE on some topic.
    const denied = (errorCode: number) => ({ throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 });
    if (transactionalId !== null && !authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, transactionalId))
      return denied(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
    if (transactionalId === null && !clusterAuthorized(ctx, AclOperation.IDEMPOTENT_WRITE) && !authorizedOnAny(ctx, AclOperation.WRITE, ResourceType.TOPIC))
      return denied(ErrorCode.CLUSTER_AUTHORIZATION_FAILED);
    if (transactionalId === null) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: await ctx.broker.nextProducerId(), producerEpoch: 0 };
    const coordinator = ctx.broker.transactions;
    if (!coordinator) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, producerId: -1, producerEpoch: -1 };
    // ProducerId -1 (and epoch -1) is a producer starting afresh, not resuming.
    const expected = ctx.apiVersion >= 3 && request.producerId >= 0 ? { producerId: request.producerId, producerEpoch: request.producerEpoch } : undefined;
    const result = await coordinator.initProducerId(transactionalId, request.transactionTimeoutMs, expected);
    return { throttleTimeMs: 0, ...result, errorCode: fencedForVersion(result.errorCode, ctx.apiVersion, PRODUCER_FENCED_VERSION) };
  },
};
