import { array, field, message, struct } from '../schema/schema.js';

// The controller's order to a broker to stop replicating partitions, and to delete
// them (a deleted topic, a replica moved away). v0 lists partitions flat, v1-2 by
// topic with one delete flag for all, v3+ by topic with a flag and epoch each.
export const StopReplicaRequest = message('StopReplicaRequest', 5, 'request', '0-4', '2+', [
  field('ControllerId', 'int32', '0+'),
  field('isKRaftController', 'bool', '4+', { default: false }),
  field('ControllerEpoch', 'int32', '0+'),
  field('BrokerEpoch', 'int64', '1+', { default: -1, ignorable: true }),
  field('DeletePartitions', 'bool', '0-2'),
  field('UngroupedPartitions', array(struct('StopReplicaPartitionV0', [field('TopicName', 'string', '0'), field('PartitionIndex', 'int32', '0')])), '0'),
  field('Topics', array(struct('StopReplicaTopicV1', [field('Name', 'string', '1-2'), field('PartitionIndexes', array('int32'), '1-2')])), '1-2'),
  field(
    'TopicStates',
    array(
      struct('StopReplicaTopicState', [
        field('TopicName', 'string', '3+'),
        field(
          'PartitionStates',
          array(
            struct('StopReplicaPartitionState', [
              field('PartitionIndex', 'int32', '3+'),
              // -1 stops the replica whatever its epoch; -2 is sent for a deleted topic.
              field('LeaderEpoch', 'int32', '3+', { default: -1 }),
              field('DeletePartition', 'bool', '3+'),
            ]),
          ),
          '3+',
        ),
      ]),
    ),
    '3+',
  ),
]);

export const StopReplicaResponse = message('StopReplicaResponse', 5, 'response', '0-4', '2+', [
  field('ErrorCode', 'int16', '0+'),
  field(
    'PartitionErrors',
    array(struct('StopReplicaPartitionError', [field('TopicName', 'string', '0+'), field('PartitionIndex', 'int32', '0+'), field('ErrorCode', 'int16', '0+')])),
    '0+',
  ),
]);
