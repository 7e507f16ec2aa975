import { array, field, message, struct } from '../schema/schema.js';

export const DescribeTransactionsRequest = message('DescribeTransactionsRequest', 65, 'request', '0', '0+', [field('TransactionalIds', array('string'), '0+')]);

export const DescribeTransactionsResponse = message('DescribeTransactionsResponse', 65, 'response', '0', '0+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'TransactionStates',
    array(
      struct('TransactionState', [
        field('ErrorCode', 'int16', '0+'),
        field('TransactionalId', 'string', '0+'),
        field('TransactionState', 'string', '0+'),
        field('TransactionTimeoutMs', 'int32', '0+'),
        field('TransactionStartTimeMs', 'int64', '0+'),
        field('ProducerId', 'int64', '0+'),
        field('ProducerEpoch', 'int16', '0+'),
        field('Topics', array(struct('TopicData', [field('Topic', 'string', '0+'), field('Partitions', array('int32'), '0+')])), '0+'),
      ]),
    ),
    '0+',
  ),
]);
