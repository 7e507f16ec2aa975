import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { EndTxnRequest, EndTxnResponse } from '../../protocol/messages/end-txn.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';
import { fencedForVersion } from './transaction-errors.js';

/**
 * EndTxn: the producer commits or aborts its transaction; answered once the
 * coordinator has logged PrepareCommit / PrepareAbort, the markers follow.
 * Version 5 (KIP-890 part 2, an epoch bump per transaction) is still
 * unstable in Kafka's spec and not advertised, as Kafka brokers do not.
 */
export const endTxnHandler: ApiHandler<typeof EndTxnRequest, typeof EndTxnResponse> = {
  request: EndTxnRequest,
  response: EndTxnResponse,
  maxVersion: 4,
  async handle(request, ctx) {
    if (!authorized(ctx, AclOperation.WRITE, ResourceType.TRANSACTIONAL_ID, request.transactionalId))
      return { throttleTimeMs: 0, errorCode: ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED };
    const coordinator = ctx.broker.transactions;
    const code = coordinator
      ? await coordinator.endTransaction(request.transactionalId, request.producerId, request.producerEpoch, request.committed)
      : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return { throttleTimeMs: 0, errorCode: fencedForVersion(code, ctx.apiVersion, 2) };
  },
};
