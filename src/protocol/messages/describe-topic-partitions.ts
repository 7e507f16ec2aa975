import { array, field, message, struct } from '../schema/schema.js';

const NO_AUTHORIZED_OPERATIONS = -2147483648;

// Where a paged listing resumes; the request's Cursor and the response's NextCursor share the shape.
const cursor = () => struct('Cursor', [field('TopicName', 'string', '0+'), field('PartitionIndex', 'int32', '0+')]);

export const DescribeTopicPartitionsRequest = message('DescribeTopicPartitionsRequest', 75, 'request', '0', '0+', [
  field('Topics', array(struct('TopicRequest', [field('Name', 'string', '0+')])), '0+'),
  field('ResponsePartitionLimit', 'int32', '0+', { default: 2000 }),
  field('Cursor', cursor(), '0+', { nullable: '0+', default: null }),
]);

export const DescribeTopicPartitionsResponse = message('DescribeTopicPartitionsResponse', 75, 'response', '0', '0+', [
  field('ThrottleTimeMs', 'int32', '0+', { ignorable: true }),
  field(
    'Topics',
    array(
      struct('DescribeTopicPartitionsResponseTopic', [
        field('ErrorCode', 'int16', '0+'),
        field('Name', 'string', '0+', { nullable: '0+' }),
        field('TopicId', 'uuid', '0+', { ignorable: true }),
        field('IsInternal', 'bool', '0+', { default: false, ignorable: true }),
        field(
          'Partitions',
          array(
            struct('DescribeTopicPartitionsResponsePartition', [
              field('ErrorCode', 'int16', '0+'),
              field('PartitionIndex', 'int32', '0+'),
              field('LeaderId', 'int32', '0+'),
              field('LeaderEpoch', 'int32', '0+', { default: -1, ignorable: true }),
              field('ReplicaNodes', array('int32'), '0+'),
              field('IsrNodes', array('int32'), '0+'),
              // Null when the controller does not track eligible leader replicas (KIP-966).
              field('EligibleLeaderReplicas', array('int32'), '0+', { nullable: '0+', default: null }),
              field('LastKnownElr', array('int32'), '0+', { nullable: '0+', default: null }),
              field('OfflineReplicas', array('int32'), '0+', { ignorable: true }),
            ]),
          ),
          '0+',
        ),
        field('TopicAuthorizedOperations', 'int32', '0+', { default: NO_AUTHORIZED_OPERATIONS }),
      ]),
    ),
    '0+',
  ),
  field('NextCursor', cursor(), '0+', { nullable: '0+', default: null }),
]);
