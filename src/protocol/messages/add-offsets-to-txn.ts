import { field, message } from '../schema/schema.js';

export const AddOffsetsToTxnRequest = message('AddOffsetsToTxnRequest', 25, 'request', '0-4', '3+', [
  field('TransactionalId', 'string', '0+'),
  field('ProducerId', 'int64', '0+'),
  field('ProducerEpoch', 'int16', '0+'),
  field('GroupId', 'string', '0+'),
]);

export const AddOffsetsToTxnResponse = message('AddOffsetsToTxnResponse', 25, 'response', '0-4', '3+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
]);
