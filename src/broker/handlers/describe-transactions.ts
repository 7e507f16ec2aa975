import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeTransactionsRequest, DescribeTransactionsResponse } from '../../protocol/messages/describe-transactions.js';
import type { ApiHandler } from './api-handler.js';

/** DescribeTransactions: state, producer, timeout, start and partitions of each transactional id this broker coordinates. */
export const describeTransactionsHandler: ApiHandler<typeof DescribeTransactionsRequest, typeof DescribeTransactionsResponse> = {
  request: DescribeTransactionsRequest,
  response: DescribeTransactionsResponse,
  handle(request, ctx) {
    const coordinator = ctx.broker.transactions;
    return {
      throttleTimeMs: 0,
      transactionStates: request.transactionalIds.map((transactionalId) =>
        coordinator
          ? coordinator.describeTransaction(transactionalId)
          : {
              errorCode: ErrorCode.COORDINATOR_NOT_AVAILABLE,
              transactionalId,
              transactionState: '',
              transactionTimeoutMs: 0,
              transactionStartTimeMs: -1,
              producerId: -1,
              producerEpoch: -1,
              topics: [],
            },
      ),
    };
  },
};
