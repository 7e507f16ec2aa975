import { array, field, message, struct } from '../schema/schema.js';

/** Kafka's ElectionType: the preferred (first) replica, or any live one when the ISR is empty. */
export enum ElectionType {
  Preferred = 0,
  Unclean = 1,
}

// KIP-460 (v1) added the election type; v0 always elects the preferred replica.
export const ElectLeadersRequest = message('ElectLeadersRequest', 43, 'request', '0-2', '2+', [
  field('ElectionType', 'int8', '1+'),
  // null: every partition.
  field('TopicPartitions', array(struct('TopicPartitions', [field('Topic', 'string', '0+'), field('Partitions', array('int32'), '0+')])), '0+', {
    nullable: '0+',
  }),
  field('TimeoutMs', 'int32', '0+', { default: 60000 }),
]);

export const ElectLeadersResponse = message('ElectLeadersResponse', 43, 'response', '0-2', '2+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '1+'),
  field(
    'ReplicaElectionResults',
    array(
      struct('ReplicaElectionResult', [
        field('Topic', 'string', '0+'),
        field(
          'PartitionResult',
          array(
            struct('PartitionResult', [
              field('PartitionId', 'int32', '0+'),
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
