import { array, field, message, struct } from '../schema/schema.js';

// The controller's push of cluster metadata (live brokers, every partition's leader
// and ISR) to each broker, which answers Metadata requests from it.

/** One partition as the metadata cache holds it; v0-4 list them flat, v5+ under their topic. */
const partitionState = () =>
  struct('UpdateMetadataPartitionState', [
    field('TopicName', 'string', '0-4', { ignorable: true }),
    field('PartitionIndex', 'int32', '0+'),
    field('ControllerEpoch', 'int32', '0+'),
    field('Leader', 'int32', '0+'),
    field('LeaderEpoch', 'int32', '0+'),
    field('Isr', array('int32'), '0+'),
    field('ZkVersion', 'int32', '0+'),
    field('Replicas', array('int32'), '0+'),
    field('OfflineReplicas', array('int32'), '4+', { ignorable: true }),
  ]);

export const UpdateMetadataRequest = message('UpdateMetadataRequest', 6, 'request', '0-8', '6+', [
  field('ControllerId', 'int32', '0+'),
  field('isKRaftController', 'bool', '8+', { default: false }),
  // 0 incremental, 1 full (KIP-866's migration).
  field('Type', 'int8', '8+', { default: 0, tag: 0, tagged: '8+' }),
  field('ControllerEpoch', 'int32', '0+'),
  field('BrokerEpoch', 'int64', '5+', { default: -1, ignorable: true }),
  field('UngroupedPartitionStates', array(partitionState()), '0-4'),
  field(
    'TopicStates',
    array(
      struct('UpdateMetadataTopicState', [
        field('TopicName', 'string', '5+'),
        field('TopicId', 'uuid', '7+', { ignorable: true }),
        field('PartitionStates', array(partitionState()), '5+'),
      ]),
    ),
    '5+',
  ),
  field(
    'LiveBrokers',
    array(
      struct('UpdateMetadataBroker', [
        field('Id', 'int32', '0+'),
        // v0 has one plaintext address per broker; v1+ a list of listeners.
        field('V0Host', 'string', '0', { ignorable: true }),
        field('V0Port', 'int32', '0', { ignorable: true }),
        field(
          'Endpoints',
          array(
            struct('UpdateMetadataEndpoint', [
              field('Port', 'int32', '1+'),
              field('Host', 'string', '1+'),
              field('Listener', 'string', '3+', { ignorable: true }),
              field('SecurityProtocol', 'int16', '1+'),
            ]),
          ),
          '1+',
          { ignorable: true },
        ),
        field('Rack', 'string', '2+', { nullable: '0+', ignorable: true }),
      ]),
    ),
    '0+',
  ),
]);

export const UpdateMetadataResponse = message('UpdateMetadataResponse', 6, 'response', '0-8', '6+', [field('ErrorCode', 'int16', '0+')]);
