import { array, field, message, struct } from '../schema/schema.js';

// KIP-455: moves partitions to new replica sets; a null replica list cancels a
// reassignment in progress.
export const AlterPartitionReassignmentsRequest = message('AlterPartitionReassignmentsRequest', 45, 'request', '0', '0+', [
  field('TimeoutMs', 'int32', '0+', { default: 60000 }),
  field(
    'Topics',
    array(
      struct('ReassignableTopic', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('ReassignablePartition', [
              field('PartitionIndex', 'int32', '0+'),
              field('Replicas', array('int32'), '0+', { nullable: '0+', default: null }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);

export const AlterPartitionReassignmentsResponse = message('AlterPartitionReassignmentsResponse', 45, 'response', '0', '0+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
  field(
    'Responses',
    array(
      struct('ReassignableTopicResponse', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('ReassignablePartitionResponse', [
              field('PartitionIndex', 'int32', '0+'),
              field('ErrorCode', 'int16', '0+'),
              field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
