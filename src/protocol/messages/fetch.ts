import { array, field, message, struct } from '../schema/schema.js';
import { leaderIdAndEpoch, nodeEndpoint } from './common.js';

// Kafka 4.0 dropped v0-3 (KIP-896); they are defined because librdkafka checks that
// Fetch is listed from v0 before it enables compression.
export const FetchRequest = message('FetchRequest', 1, 'request', '0-17', '12+', [
  field('ClusterId', 'string', '12+', { nullable: '12+', default: null, tag: 0, tagged: '12+', ignorable: true }),
  field('ReplicaId', 'int32', '0-14', { default: -1 }),
  field(
    'ReplicaState',
    struct('ReplicaState', [field('ReplicaId', 'int32', '15+', { default: -1 }), field('ReplicaEpoch', 'int64', '15+', { default: -1 })]),
    '15+',
    { tag: 1, tagged: '15+' },
  ),
  field('MaxWaitMs', 'int32', '0+'),
  field('MinBytes', 'int32', '0+'),
  field('MaxBytes', 'int32', '3+', { default: 0x7fffffff, ignorable: true }),
  field('IsolationLevel', 'int8', '4+', { default: 0, ignorable: true }),
  field('SessionId', 'int32', '7+', { default: 0, ignorable: true }),
  field('SessionEpoch', 'int32', '7+', { default: -1, ignorable: true }),
  field(
    'Topics',
    array(
      struct('FetchTopic', [
        field('Topic', 'string', '0-12', { ignorable: true }),
        field('TopicId', 'uuid', '13+', { ignorable: true }),
        field(
          'Partitions',
          array(
            struct('FetchPartition', [
              field('Partition', 'int32', '0+'),
              field('CurrentLeaderEpoch', 'int32', '9+', { default: -1, ignorable: true }),
              field('FetchOffset', 'int64', '0+'),
              field('LastFetchedEpoch', 'int32', '12+', { default: -1 }),
              field('LogStartOffset', 'int64', '5+', { default: -1, ignorable: true }),
              field('PartitionMaxBytes', 'int32', '0+'),
              field('ReplicaDirectoryId', 'uuid', '17+', { tag: 0, tagged: '17+', ignorable: true }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
  field(
    'ForgottenTopicsData',
    array(
      struct('ForgottenTopic', [
        field('Topic', 'string', '7-12', { ignorable: true }),
        field('TopicId', 'uuid', '13+', { ignorable: true }),
        field('Partitions', array('int32'), '7+'),
      ]),
    ),
    '7+',
  ),
  field('RackId', 'string', '11+', { default: '', ignorable: true }),
]);

export const FetchResponse = message('FetchResponse', 1, 'response', '0-17', '12+', [
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true }),
  field('ErrorCode', 'int16', '7+', { ignorable: true }),
  field('SessionId', 'int32', '7+', { default: 0 }),
  field(
    'Responses',
    array(
      struct('FetchableTopicResponse', [
        field('Topic', 'string', '0-12', { ignorable: true }),
        field('TopicId', 'uuid', '13+', { ignorable: true }),
        field(
          'Partitions',
          array(
            struct('PartitionData', [
              field('PartitionIndex', 'int32', '0+'),
              field('ErrorCode', 'int16', '0+'),
              field('HighWatermark', 'int64', '0+'),
              field('LastStableOffset', 'int64', '4+', { default: -1, ignorable: true }),
              field('LogStartOffset', 'int64', '5+', { default: -1, ignorable: true }),
              field(
                'DivergingEpoch',
                struct('EpochEndOffset', [field('Epoch', 'int32', '12+', { default: -1 }), field('EndOffset', 'int64', '12+', { default: -1 })]),
                '12+',
                { tag: 0, tagged: '12+' },
              ),
              field('CurrentLeader', leaderIdAndEpoch('12+'), '12+', { tag: 1, tagged: '12+' }),
              field(
                'SnapshotId',
                struct('SnapshotId', [field('EndOffset', 'int64', '0+', { default: -1 }), field('Epoch', 'int32', '0+', { default: -1 })]),
                '12+',
                { tag: 2, tagged: '12+' },
              ),
              field(
                'AbortedTransactions',
                array(struct('AbortedTransaction', [field('ProducerId', 'int64', '4+'), field('FirstOffset', 'int64', '4+')])),
                '4+',
                { nullable: '4+', ignorable: true },
              ),
              field('PreferredReadReplica', 'int32', '11+', { default: -1 }),
              field('Records', 'records', '0+', { nullable: '0+' }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
  field('NodeEndpoints', array(nodeEndpoint('16+')), '16+', { tag: 0, tagged: '16+' }),
]);
