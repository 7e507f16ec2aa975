import { array, field, message, struct } from '../schema/schema.js';

// The controller's order to a broker to lead or follow partitions (ZooKeeper-mode
// controllers; KRaft brokers learn the same from the metadata log).

/** One partition's leader, ISR and replicas; v0-1 list them flat, v2+ under their topic. */
const partitionState = () =>
  struct('LeaderAndIsrPartitionState', [
    field('TopicName', 'string', '0-1', { ignorable: true }),
    field('PartitionIndex', 'int32', '0+'),
    field('ControllerEpoch', 'int32', '0+'),
    field('Leader', 'int32', '0+'),
    field('LeaderEpoch', 'int32', '0+'),
    field('Isr', array('int32'), '0+'),
    // The partition's zkVersion under a ZooKeeper controller.
    field('PartitionEpoch', 'int32', '0+'),
    field('Replicas', array('int32'), '0+'),
    field('AddingReplicas', array('int32'), '3+', { ignorable: true }),
    field('RemovingReplicas', array('int32'), '3+', { ignorable: true }),
    field('IsNew', 'bool', '1+', { default: false, ignorable: true }),
    // 1 while the partition recovers from an unclean leader election.
    field('LeaderRecoveryState', 'int8', '6+', { default: 0 }),
  ]);

export const LeaderAndIsrRequest = message('LeaderAndIsrRequest', 4, 'request', '0-7', '4+', [
  field('ControllerId', 'int32', '0+'),
  // KIP-866: a KRaft controller speaking to ZooKeeper brokers during migration.
  field('isKRaftController', 'bool', '7+', { default: false }),
  field('ControllerEpoch', 'int32', '0+'),
  field('BrokerEpoch', 'int64', '2+', { default: -1, ignorable: true }),
  // v5+: 0 for an incremental request, 1 for the full set of the broker's partitions.
  field('Type', 'int8', '5+'),
  field('UngroupedPartitionStates', array(partitionState()), '0-1'),
  field(
    'TopicStates',
    array(
      struct('LeaderAndIsrTopicState', [
        field('TopicName', 'string', '2+'),
        field('TopicId', 'uuid', '5+', { ignorable: true }),
        field('PartitionStates', array(partitionState()), '2+'),
      ]),
    ),
    '2+',
  ),
  field(
    'LiveLeaders',
    array(struct('LeaderAndIsrLiveLeader', [field('BrokerId', 'int32', '0+'), field('HostName', 'string', '0+'), field('Port', 'int32', '0+')])),
    '0+',
  ),
]);

/** One partition's outcome; v0-4 list them flat with their topic's name, v5+ under the topic's id. */
const partitionError = () =>
  struct('LeaderAndIsrPartitionError', [
    field('TopicName', 'string', '0-4', { ignorable: true }),
    field('PartitionIndex', 'int32', '0+'),
    field('ErrorCode', 'int16', '0+'),
  ]);

export const LeaderAndIsrResponse = message('LeaderAndIsrResponse', 4, 'response', '0-7', '4+', [
  field('ErrorCode', 'int16', '0+'),
  field('PartitionErrors', array(partitionError()), '0-4'),
  field('Topics', array(struct('LeaderAndIsrTopicError', [field('TopicId', 'uuid', '5+'), field('PartitionErrors', array(partitionError()), '5+')])), '5+'),
]);
