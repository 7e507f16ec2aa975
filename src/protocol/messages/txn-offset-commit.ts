import { array, field, message, struct } from '../schema/schema.js';

export const TxnOffsetCommitRequest = message('TxnOffsetCommitRequest', 28, 'request', '0-4', '3+', [
  field('TransactionalId', 'string', '0+'),
  field('GroupId', 'string', '0+'),
  field('ProducerId', 'int64', '0+'),
  field('ProducerEpoch', 'int16', '0+'),
  // The consumer's group membership, fenced like OffsetCommit's from v3 (KIP-447).
  field('GenerationId', 'int32', '3+', { default: -1 }),
  field('MemberId', 'string', '3+', { default: '' }),
  field('GroupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
  field(
    'Topics',
    array(
      struct('TxnOffsetCommitRequestTopic', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('TxnOffsetCommitRequestPartition', [
              field('PartitionIndex', 'int32', '0+'),
              field('CommittedOffset', 'int64', '0+'),
              field('CommittedLeaderEpoch', 'int32', '2+', { default: -1, ignorable: true }),
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

export const TxnOffsetCommitResponse = message('TxnOffsetCommitResponse', 28, 'response', '0-4', '3+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'Topics',
    array(
      struct('TxnOffsetCommitResponseTopic', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(struct('TxnOffsetCommitResponsePartition', [field('PartitionIndex', 'int32', '0+'), field('ErrorCode', 'int16', '0+')])),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
