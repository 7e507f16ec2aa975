import { array, field, message, struct } from '../schema/schema.js';

export const OffsetCommitRequest = message('OffsetCommitRequest', 8, 'request', '0-9', '8+', [
  field('GroupId', 'string', '0+'),
  // The generation for classic groups, the member epoch for consumer groups (v9, KIP-848).
  field('GenerationIdOrMemberEpoch', 'int32', '1+', { default: -1, ignorable: true }),
  field('MemberId', 'string', '1+', { ignorable: true }),
  field('GroupInstanceId', 'string', '7+', { nullable: '7+', default: null }),
  field('RetentionTimeMs', 'int64', '2-4', { default: -1, ignorable: true }),
  field(
    'Topics',
    array(
      struct('OffsetCommitRequestTopic', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('OffsetCommitRequestPartition', [
              field('PartitionIndex', 'int32', '0+'),
              field('CommittedOffset', 'int64', '0+'),
              field('CommittedLeaderEpoch', 'int32', '6+', { default: -1, ignorable: true }),
              // Only v1 carries a per-partition commit timestamp.
              field('CommitTimestamp', 'int64', '1', { default: -1 }),
              field('CommittedMetadata', 'string', '0+', { nullable: '0+' }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);

export const OffsetCommitResponse = message('OffsetCommitResponse', 8, 'response', '0-9', '8+', [
  field('ThrottleTimeMs', 'int32', '3+', { ignorable: true }),
  field(
    'Topics',
    array(
      struct('OffsetCommitResponseTopic', [
        field('Name', 'string', '0+'),
        field('Partitions', array(struct('OffsetCommitResponsePartition', [field('PartitionIndex', 'int32', '0+'), field('ErrorCode', 'int16', '0+')])), '0+'),
      ]),
    ),
    '0+',
  ),
]);
