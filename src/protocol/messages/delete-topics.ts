import { array, field, message, struct } from '../schema/schema.js';

// Version 0 was removed by Kafka 4.0 (KIP-896).
export const DeleteTopicsRequest = message('DeleteTopicsRequest', 20, 'request', '1-6', '4+', [
  field('Topics', array(struct('DeleteTopicState', [field('Name', 'string', '6+', { nullable: '6+', default: null }), field('TopicId', 'uuid', '6+')])), '6+'),
  field('TopicNames', array('string'), '0-5', { ignorable: true }),
  field('TimeoutMs', 'int32', '0+'),
]);

export const DeleteTopicsResponse = message('DeleteTopicsResponse', 20, 'response', '1-6', '4+', [
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true }),
  field(
    'Responses',
    array(
      struct('DeletableTopicResult', [
        field('Name', 'string', '0+', { nullable: '6+' }),
        field('TopicId', 'uuid', '6+', { ignorable: true }),
        field('ErrorCode', 'int16', '0+'),
        field('ErrorMessage', 'string', '5+', { nullable: '5+', ignorable: true, default: null }),
      ]),
    ),
    '0+',
  ),
]);
