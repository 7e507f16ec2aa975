import { array, field, message, struct } from '../schema/schema.js';
import { leaderIdAndEpoch, nodeEndpoint } from './common.js';

// Kafka 4.0 dropped v0-2 (KIP-896), but librdkafka only enables compression when the
// broker lists Produce from v0, so the whole range is defined. v3 is the first version
// whose records are v2 batches; older record formats are refused by the broker.
export const ProduceRequest = message('ProduceRequest', 0, 'request', '0-11', '9+', [
  field('TransactionalId', 'string', '3+', { nullable: '3+', default: null }),
  field('Acks', 'int16', '0+'),
  field('TimeoutMs', 'int32', '0+'),
  field(
    'TopicData',
    array(
      struct('TopicProduceData', [
        field('Name', 'string', '0+'),
        field(
          'PartitionData',
          array(struct('PartitionProduceData', [field('Index', 'int32', '0+'), field('Records', 'records', '0+', { nullable: '0+' })])),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);

export const ProduceResponse = message('ProduceResponse', 0, 'response', '0-11', '9+', [
  field(
    'Responses',
    array(
      struct('TopicProduceResponse', [
        field('Name', 'string', '0+'),
        field(
          'PartitionResponses',
          array(
            struct('PartitionProduceResponse', [
              field('Index', 'int32', '0+'),
              field('ErrorCode', 'int16', '0+'),
              field('BaseOffset', 'int64', '0+'),
              field('LogAppendTimeMs', 'int64', '2+', { default: -1, ignorable: true }),
              field('LogStartOffset', 'int64', '5+', { default: -1, ignorable: true }),
              field(
                'RecordErrors',
                array(
                  struct('BatchIndexAndErrorMessage', [
                    field('BatchIndex', 'int32', '8+'),
                    field('BatchIndexErrorMessage', 'string', '8+', { nullable: '8+', default: null }),
                  ]),
                ),
                '8+',
                { ignorable: true },
              ),
              field('ErrorMessage', 'string', '8+', { nullable: '8+', default: null, ignorable: true }),
              field('CurrentLeader', leaderIdAndEpoch('10+'), '10+', { tag: 0, tagged: '10+' }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true, default: 0 }),
  field('NodeEndpoints', array(nodeEndpoint('10+')), '10+', { tag: 0, tagged: '10+' }),
]);
