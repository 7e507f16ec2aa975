import { array, field, message, struct } from '../schema/schema.js';

// Version 0 was removed by Kafka 4.0 (KIP-896).
export const ListOffsetsRequest = message('ListOffsetsRequest', 2, 'request', '1-10', '6+', [
  field('ReplicaId', 'int32', '0+'),
  field('IsolationLevel', 'int8', '2+'),
  field(
    'Topics',
    array(
      struct('ListOffsetsTopic', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('ListOffsetsPartition', [
              field('PartitionIndex', 'int32', '0+'),
              field('CurrentLeaderEpoch', 'int32', '4+', { default: -1, ignorable: true }),
              field('Timestamp', 'int64', '0+'),
              field('MaxNumOffsets', 'int32', '0', { default: 1 }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
  field('TimeoutMs', 'int32', '10+', { ignorable: true }),
]);

export const ListOffsetsResponse = message('ListOffsetsResponse', 2, 'response', '1-10', '6+', [
  field('ThrottleTimeMs', 'int32', '2+', { ignorable: true }),
  field(
    'Topics',
    array(
      struct('ListOffsetsTopicResponse', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('ListOffsetsPartitionResponse', [
              field('PartitionIndex', 'int32', '0+'),
              field('ErrorCode', 'int16', '0+'),
              field('OldStyleOffsets', array('int64'), '0'),
              field('Timestamp', 'int64', '1+', { default: -1 }),
              field('Offset', 'int64', '1+', { default: -1 }),
              field('LeaderEpoch', 'int32', '4+', { default: -1 }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
