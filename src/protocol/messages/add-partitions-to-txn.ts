import { array, field, message, struct } from '../schema/schema.js';

// Up to v3 a request adds partitions to one transaction (the "V3AndBelow" fields);
// from v4 (KIP-890, broker to broker) it carries a batch of transactions.
const topic = () => struct('AddPartitionsToTxnTopic', [field('Name', 'string', '0+'), field('Partitions', array('int32'), '0+')]);

export const AddPartitionsToTxnRequest = message('AddPartitionsToTxnRequest', 24, 'request', '0-5', '3+', [
  field(
    'Transactions',
    array(
      struct('AddPartitionsToTxnTransaction', [
        field('TransactionalId', 'string', '4+'),
        field('ProducerId', 'int64', '4+'),
        field('ProducerEpoch', 'int16', '4+'),
        field('VerifyOnly', 'bool', '4+', { default: false }),
        field('Topics', array(topic()), '4+'),
      ]),
    ),
    '4+',
  ),
  field('V3AndBelowTransactionalId', 'string', '0-3'),
  field('V3AndBelowProducerId', 'int64', '0-3'),
  field('V3AndBelowProducerEpoch', 'int16', '0-3'),
  field('V3AndBelowTopics', array(topic()), '0-3'),
]);

const topicResult = () =>
  struct('AddPartitionsToTxnTopicResult', [
    field('Name', 'string', '0+'),
    field(
      'ResultsByPartition',
      array(struct('AddPartitionsToTxnPartitionResult', [field('PartitionIndex', 'int32', '0+'), field('PartitionErrorCode', 'int16', '0+')])),
      '0+',
    ),
  ]);

export const AddPartitionsToTxnResponse = message('AddPartitionsToTxnResponse', 24, 'response', '0-5', '3+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '4+', { ignorable: true }),
  field(
    'ResultsByTransaction',
    array(struct('AddPartitionsToTxnResult', [field('TransactionalId', 'string', '4+'), field('TopicResults', array(topicResult()), '4+')])),
    '4+',
  ),
  field('ResultsByTopicV3AndBelow', array(topicResult()), '0-3'),
]);
