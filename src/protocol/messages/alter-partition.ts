import { array, field, message, struct } from '../schema/schema.js';

// A partition leader asks the controller to change the ISR (KIP-497; AlterIsr before
// KIP-704 renamed it). v2 names topics by id, v3 gives each ISR member its broker
// epoch (KIP-903) so a broker that restarted with an empty log is not taken back.
export const AlterPartitionRequest = message('AlterPartitionRequest', 56, 'request', '0-3', '0+', [
  field('BrokerId', 'int32', '0+'),
  field('BrokerEpoch', 'int64', '0+', { default: -1 }),
  field('Topics', array(struct('TopicData', [
    field('TopicName', 'string', '0-1', { ignorable: true }),
    field('TopicId', 'uuid', '2+', { ignorable: true }),
    field('Partitions', array(struct('PartitionData', [
      field('PartitionIndex', 'int32', '0+'),
      field('LeaderEpoch', 'int32', '0+'),
      field('NewIsr', array('int32'), '0-2'),
      field('NewIsrWithEpochs', array(struct('BrokerState', [
        field('BrokerId', 'int32', '3+'),
        field('BrokerEpoch', 'int64', '3+', { default: -1 }),
      ])), '3+'),
      field('LeaderRecoveryState', 'int8', '1+', { default: 0 }),
      field('PartitionEpoch', 'int32', '0+'),
    ])), '0+'),
  ])), '0+'),
]);

export const AlterPartitionResponse = message('AlterPartitionResponse', 56, 'response', '0-3', '0+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('Topics', array(struct('TopicData', [
    field('TopicName', 'string', '0-1', { ignorable: true }),
    field('TopicId', 'uuid', '2+', { ignorable: true }),
    field('Partitions', array(struct('PartitionData', [
      field('PartitionIndex', 'int32', '0+'),
      field('ErrorCode', 'int16', '0+'),
      field('LeaderId', 'int32', '0+'),
      field('LeaderEpoch', 'int32', '0+'),
      field('Isr', array('int32'), '0+'),
      field('LeaderRecoveryState', 'int8', '1+', { default: 0, ignorable: true }),
      field('PartitionEpoch', 'int32', '0+'),
    ])), '0+'),
  ])), '0+'),
]);
