import { field, message } from '../schema/schema.js';

export const InitProducerIdRequest = message('InitProducerIdRequest', 22, 'request', '0-5', '2+', [
  field('TransactionalId', 'string', '0+', { nullable: '0+' }),
  field('TransactionTimeoutMs', 'int32', '0+'),
  field('ProducerId', 'int64', '3+', { default: -1 }),
  field('ProducerEpoch', 'int16', '3+', { default: -1 }),
]);

export const InitProducerIdResponse = message('InitProducerIdResponse', 22, 'response', '0-5', '2+', [
  field('ThrottleTimeMs', 'int32', '0+', { ignorable: true }),
  field('ErrorCode', 'int16', '0+'),
  field('ProducerId', 'int64', '0+', { default: -1 }),
  field('ProducerEpoch', 'int16', '0+'),
]);
