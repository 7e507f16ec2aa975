import { array, field, message, struct } from '../schema/schema.js';

export const DescribeProducersRequest = message('DescribeProducersRequest', 61, 'request', '0', '0+', [
  field('Topics', array(struct('TopicRequest', [field('Name', 'string', '0+'), field('PartitionIndexes', array('int32'), '0+')])), '0+'),
]);

export const DescribeProducersResponse = message('DescribeProducersResponse', 61, 'response', '0', '0+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'Topics',
    array(
      struct('TopicResponse', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('PartitionResponse', [
              field('PartitionIndex', 'int32', '0+'),
              field('ErrorCode', 'int16', '0+'),
              field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
              field(
                'ActiveProducers',
                array(
                  struct('ProducerState', [
                    field('ProducerId', 'int64', '0+'),
                    // An int32 here, though producer epochs are int16 everywhere else.
                    field('ProducerEpoch', 'int32', '0+'),
                    field('LastSequence', 'int32', '0+', { default: -1 }),
                    field('LastTimestamp', 'int64', '0+', { default: -1 }),
                    field('CoordinatorEpoch', 'int32', '0+'),
                    field('CurrentTxnStartOffset', 'int64', '0+', { default: -1 }),
                  ]),
                ),
                '0+',
              ),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
