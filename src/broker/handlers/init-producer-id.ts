import { ErrorCode } from '../../protocol/error-codes.js';
import { InitProducerIdRequest, InitProducerIdResponse } from '../../protocol/messages/init-producer-id.js';
import type { ApiHandler, } from './api-handler.js';

/**
 * InitProducerId: a fresh producer id, epoch 0, for an idempotent producer.
 * Transactional producers need a transaction coordinator, which this broker
 * does not run yet: they get COORDINATOR_NOT_AVAILABLE.
 */
export const initProducerIdHandler: ApiHandler<typeof InitProducerIdRequest, typeof InitProducerIdResponse> = {
  request: InitProducerIdRequest,
  response: InitProducerIdResponse,
  async handle(request, ctx) {
    const transactionalId = request.transactionalId;
    if (transactionalId === null) return { throttleTimeMs: 0, errorCode: ErrorCode.NONE, producerId: await ctx.broker.nextProducerId(), producerEpoch: 0 };
    const errorCode = transactionalId === '' ? ErrorCode.INVALID_REQUEST : ErrorCode.COORDINATOR_NOT_AVAILABLE;
    return { throttleTimeMs: 0, errorCode, producerId: -1, producerEpoch: -1 };
  },
};
