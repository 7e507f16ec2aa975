import { array, field, message, struct } from '../schema/schema.js';

// KIP-455: the reassignments in progress, of the partitions named or (null) of all.
export const ListPartitionReassignmentsRequest = message('ListPartitionReassignmentsRequest', 46, 'request', '0', '0+', [
  field('TimeoutMs', 'int32', '0+', { default: 60000 }),
  field('Topics', array(struct('ListPartitionReassignmentsTopics', [field('Name', 'string', '0+'), field('PartitionIndexes', array('int32'), '0+')])), '0+', {
    nullable: '0+',
    default: null,
  }),
]);

export const ListPartitionReassignmentsResponse = message('ListPartitionReassignmentsResponse', 46, 'response', '0', '0+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('ErrorMessage', 'string', '0+', { nullable: '0+' }),
  field(
    'Topics',
    array(
      struct('OngoingTopicReassignment', [
        field('Name', 'string', '0+'),
        field(
          'Partitions',
          array(
            struct('OngoingPartitionReassignment', [
              field('PartitionIndex', 'int32', '0+'),
              field('Replicas', array('int32'), '0+'),
              field('AddingReplicas', array('int32'), '0+'),
              field('RemovingReplicas', array('int32'), '0+'),
            ]),
          ),
          '0+',
        ),
      ]),
    ),
    '0+',
  ),
]);
