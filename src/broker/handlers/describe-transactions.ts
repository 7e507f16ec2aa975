import { AclOperation, ResourceType } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../../protocol/messages/describe-transactions.js';
import { undescribedTransaction } from '../transaction/transaction-coordinator.js';
import type { ApiHandler } from './api-handler.js';
import { authorized } from './authorize.js';

/** DescribeTransactions: state, producer, timeout, start and partitions of each transactional id this broker coordinates. */
export const describeTransactionsHandler: ApiHandler<typeof DescribeTransactionsRequest, typeof DescribeTransactionsResponse> = {
  request: DescribeTransactionsRequest,
  response: DescribeTransactionsResponse,
  handle(request, ctx) {
    const coordinator = ctx.broker.transactions;
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((transactionalId) => {
        const failed = (errorCode: number) => undescribedTransaction(transactionalId, errorCode);
        // DESCRIBE on the transactional id; its partitions are shown only for topics the principal may DESCRIBE.
        if (!authorized(ctx, AclOperation.DESCRIBE, ResourceType.TRANSACTIONAL_ID, transactionalId))
          return failed(ErrorCode.TRANSACTIONAL_ID_AUTHORIZATION_FAILED);
        if (!coordinator) return failed(ErrorCode.COORDINATOR_NOT_AVAILABLE);
        const described = coordinator.describeTransaction(transactionalId);
        return { ...described, topics: described.topics.filter((t) => authorized(ctx, AclOperation.DESCRIBE, ResourceType.TOPIC, t.topic)) };
      }),
    };
  },
};
