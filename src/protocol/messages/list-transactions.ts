import { array, field, message, struct } from '../schema/schema.js';

export const ListTransactionsRequest = message('ListTransactionsRequest', 66, 'request', '0-1', '0+', [
  field('StateFilters', array('string'), '0+'),
  field('ProducerIdFilters', array('int64'), '0+'),
  // v1 (KIP-994): only transactions running longer than this many ms; -1 for all.
  field('DurationFilter', 'int64', '1+', { default: -1 }),
]);

export const ListTransactionsResponse = message('ListTransactionsResponse', 66, 'response', '0-1', '0+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('UnknownStateFilters', array('string'), '0+'),
  field(
    'TransactionStates',
    array(
      struct('TransactionState', [field('TransactionalId', 'string', '0+'), field('ProducerId', 'int64', '0+'), field('TransactionState', 'string', '0+')]),
    ),
    '0+',
  ),
]);
