import { array, field, message, struct } from '../schema/schema.js';

// Up to v7 a request names one group; from v8 (KIP-709) it names several. A null
// topic list asks for every committed offset of the group (v2+).
export const OffsetFetchRequest = message('OffsetFetchRequest', 9, 'request', '0-9', '6+', [
  field('GroupId', 'string', '0-7'),
  field('Topics', array(struct('OffsetFetchRequestTopic', [field('Name', 'string', '0-7'), field('PartitionIndexes', array('int32'), '0-7')])), '0-7', {
    nullable: '2-7',
  }),
  field(
    'Groups',
    array(
      struct('OffsetFetchRequestGroup', [
        field('GroupId', 'string', '8+'),
        field('MemberId', 'string', '9+', { nullable: '9+', default: null, ignorable: true }),
        field('MemberEpoch', 'int32', '9+', { default: -1, ignorable: true }),
        field('Topics', array(struct('OffsetFetchRequestTopics', [field('Name', 'string', '8+'), field('PartitionIndexes', array('int32'), '8+')])), '8+', {
          nullable: '8+',
        }),
      ]),
    ),
    '8+',
  ),
  field('RequireStable', 'bool', '7+', { default: false }),
]);

export const OffsetFetchResponse = message('OffsetFetchResponse', 9, 'response', '0-9', '6+', [
  field('ThrottleTimeMs', 'int32', '3+', { ignorable: true }),
  field(
    'Topics',
    array(
      struct('OffsetFetchResponseTopic', [
        field('Name', 'string', '0-7'),
        field(
          'Partitions',
          array(
            struct('OffsetFetchResponsePartition', [
              field('PartitionIndex', 'int32', '0-7'),
              field('CommittedOffset', 'int64', '0-7'),
              field('CommittedLeaderEpoch', 'int32', '5-7', { default: -1, ignorable: true }),
              field('Metadata', 'string', '0-7', { nullable: '0-7' }),
              field('ErrorCode', 'int16', '0-7'),
            ]),
          ),
          '0-7',
        ),
      ]),
    ),
    '0-7',
  ),
  // The top-level error follows the topics (v2-7).
  field('ErrorCode', 'int16', '2-7', { default: 0, ignorable: true }),
  field(
    'Groups',
    array(
      struct('OffsetFetchResponseGroup', [
        field('GroupId', 'string', '8+'),
        field(
          'Topics',
          array(
            struct('OffsetFetchResponseTopics', [
              field('Name', 'string', '8+'),
              field(
                'Partitions',
                array(
                  struct('OffsetFetchResponsePartitions', [
                    field('PartitionIndex', 'int32', '8+'),
                    field('CommittedOffset', 'int64', '8+'),
                    field('CommittedLeaderEpoch', 'int32', '8+', { default: -1, ignorable: true }),
                    field('Metadata', 'string', '8+', { nullable: '8+' }),
                    field('ErrorCode', 'int16', '8+'),
                  ]),
                ),
                '8+',
              ),
            ]),
          ),
          '8+',
        ),
        field('ErrorCode', 'int16', '8+', { default: 0 }),
      ]),
    ),
    '8+',
  ),
]);
