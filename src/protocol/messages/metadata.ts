import { array, field, message, struct } from '../schema/schema.js';

const NO_AUTHORIZED_OPERATIONS = -2147483648;

export const MetadataRequest = message('MetadataRequest', 3, 'request', '0-12', '9+', [
  field(
    'Topics',
    array(struct('MetadataRequestTopic', [field('TopicId', 'uuid', '10+', { ignorable: true }), field('Name', 'string', '0+', { nullable: '10+' })])),
    '0+',
    { nullable: '1+' },
  ),
  field('AllowAutoTopicCreation', 'bool', '4+', { default: true }),
  field('IncludeClusterAuthorizedOperations', 'bool', '8-10'),
  field('IncludeTopicAuthorizedOperations', 'bool', '8+'),
]);

export const MetadataResponse = message('MetadataResponse', 3, 'response', '0-12', '9+', [
  field('ThrottleTimeMs', 'int32', '3+', { ignorable: true }),
  field(
    'Brokers',
    array(
      struct('MetadataResponseBroker', [
        field('NodeId', 'int32', '0+'),
        field('Host', 'string', '0+'),
        field('Port', 'int32', '0+'),
        field('Rack', 'string', '1+', { nullable: '1+', ignorable: true, default: null }),
      ]),
    ),
    '0+',
  ),
  field('ClusterId', 'string', '2+', { nullable: '2+', ignorable: true, default: null }),
  field('ControllerId', 'int32', '1+', { default: -1, ignorable: true }),
  field(
    'Topics',
    array(
      struct('MetadataResponseTopic', [
        field('ErrorCode', 'int16', '0+'),
        field('Name', 'string', '0+', { nullable: '12+' }),
        field('TopicId', 'uuid', '10+', { ignorable: true }),
        field('IsInternal', 'bool', '1+', { default: false, ignorable: true }),
        field(
          'Partitions',
          array(
            struct('MetadataResponsePartition', [
              field('ErrorCode', 'int16', '0+'),
              field('PartitionIndex', 'int32', '0+'),
              field('LeaderId', 'int32', '0+'),
              field('LeaderEpoch', 'int32', '7+', { default: -1, ignorable: true }),
              field('ReplicaNodes', array('int32'), '0+'),
              field('IsrNodes', array('int32'), '0+'),
              field('OfflineReplicas', array('int32'), '5+', { ignorable: true }),
            ]),
          ),
          '0+',
        ),
        field('TopicAuthorizedOperations', 'int32', '8+', { default: NO_AUTHORIZED_OPERATIONS }),
      ]),
    ),
    '0+',
  ),
  field('ClusterAuthorizedOperations', 'int32', '8-10', { default: NO_AUTHORIZED_OPERATIONS }),
]);
