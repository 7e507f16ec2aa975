import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { ListTransactionsRequest, ListTransactionsResponse } from '../../protocol/messages/list-transactions.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';

/**
 * ListTransactions: the transactional ids this broker coordinates (an admin
 * asks every broker), filtered by state names, producer ids and, from v1
 * (KIP-994), by running longer than DurationFilter ms.
 */
export const listTransactionsHandler: ApiHandler<typeof ListTransactionsRequest, typeof ListTransactionsResponse> = {
  request: ListTransactionsRequest,
  response: ListTransactionsResponse,
  handle(request, ctx) {
    const coordinator = ctx.broker.transactions;
    if (!coordinator) return { throttleTimeMs: 0, errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE, unknownStateFilters: [], transactionStates: [] };
    const durationMs = ctx.apiVersion >= 1 ? request.durationFilter : -1;
    const listed = coordinator.listTransactions(request.producerIdFilters, request.stateFilters, durationMs);
    // Only the transactional ids the principal may DESCRIBE are listed.
    const transactionStates = listed.transactionStates.filter((t) => authorized(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, t.transactionalId));
    return { throttleTimeMs: 0, ...listed, transactionStates };
  },
};
