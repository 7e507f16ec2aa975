import { array, field, message, struct } from '../schema/schema.js';

// Versions 0-1 were removed by Kafka 4.0 (KIP-896).
export const CreateTopicsRequest = message('CreateTopicsRequest', 19, 'request', '2-7', '5+', [
  field(
    'Topics',
    array(
      struct('CreatableTopic', [
        field('Name', 'string', '0+'),
        field('NumPartitions', 'int32', '0+'),
        field('ReplicationFactor', 'int16', '0+'),
        field(
          'Assignments',
          array(struct('CreatableReplicaAssignment', [field('PartitionIndex', 'int32', '0+'), field('BrokerIds', array('int32'), '0+')])),
          '0+',
        ),
        field('Configs', array(struct('CreatableTopicConfig', [field('Name', 'string', '0+'), field('Value', 'string', '0+', { nullable: '0+' })])), '0+'),
      ]),
    ),
    '0+',
  ),
  field('timeoutMs', 'int32', '0+', { default: 60000 }),
  field('validateOnly', 'bool', '1+', { default: false }),
]);

export const CreateTopicsResponse = message('CreateTopicsResponse', 19, 'response', '2-7', '5+', [
  field('ThrottleTimeMs', 'int32', '2+', { ignorable: true }),
  field(
    'Topics',
    array(
      struct('CreatableTopicResult', [
        field('Name', 'string', '0+'),
        field('TopicId', 'uuid', '7+', { ignorable: true }),
        field('ErrorCode', 'int16', '0+'),
        field('ErrorMessage', 'string', '1+', { nullable: '0+', ignorable: true }),
        field('TopicConfigErrorCode', 'int16', '5+', { tag: 0, tagged: '5+', ignorable: true }),
        field('NumPartitions', 'int32', '5+', { default: -1, ignorable: true }),
        field('ReplicationFactor', 'int16', '5+', { default: -1, ignorable: true }),
        field(
          'Configs',
          array(
            struct('CreatableTopicConfigs', [
              field('Name', 'string', '5+'),
              field('Value', 'string', '5+', { nullable: '5+' }),
              field('ReadOnly', 'bool', '5+'),
              field('ConfigSource', 'int8', '5+', { default: -1, ignorable: true }),
              field('IsSensitive', 'bool', '5+'),
            ]),
          ),
          '5+',
          { nullable: '5+', ignorable: true },
        ),
      ]),
    ),
    '0+',
  ),
]);
