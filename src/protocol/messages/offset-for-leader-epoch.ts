import { array, field, message, struct } from '../schema/schema.js';

export const OffsetForLeaderEpochRequest = message('OffsetForLeaderEpochRequest', 23, 'request', '0-4', '4+', [
  // -1 for a consumer, -2 (the default) for a client that predates the field.
  field('ReplicaId', 'int32', '3+', { default: -2, ignorable: true }),
  field(
    'Topics',
    array(
      struct('OffsetForLeaderTopic', [
        field('Topic', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('OffsetForLeaderPartition', [
              field('Partition', 'int32', '0+'),
              field('CurrentLeaderEpoch', 'int32', '2+', { default: -1, ignorable: true }),
              field('LeaderEpoch', 'int32', '0+'),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);

export const OffsetForLeaderEpochResponse = message('OffsetForLeaderEpochResponse', 23, 'response', '0-4', '4+', [
  field('ThrottleTimeMs', 'int32', '2+', { ignorable: true }),
  field(
    'Topics',
    array(
      struct('OffsetForLeaderTopicResult', [
        field('Topic', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('EpochEndOffset', [
              field('ErrorCode', 'int16', '0+'),
              field('Partition', 'int32', '0+'),
              field('LeaderEpoch', 'int32', '1+', { default: -1, ignorable: true }),
              field('EndOffset', 'int64', '0+', { default: -1 }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
