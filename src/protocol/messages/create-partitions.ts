import { array, field, message, struct } from '../schema/schema.js';

export const CreatePartitionsRequest = message('CreatePartitionsRequest', 37, 'request', '0-3', '2+', [
  field(
    'Topics',
    array(
      struct('CreatePartitionsTopic', [
        field('Name', 'string', '0+'),
        field('Count', 'int32', '0+'),
        field('Assignments', array(struct('CreatePartitionsAssignment', [field('BrokerIds', array('int32'), '0+')])), '0+', { nullable: '0+' }),
      ]),
    ),
    '0+',
  ),
  field('TimeoutMs', 'int32', '0+'),
  field('ValidateOnly', 'bool', '0+'),
]);

export const CreatePartitionsResponse = message('CreatePartitionsResponse', 37, 'response', '0-3', '2+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'Results',
    array(
      struct('CreatePartitionsTopicResult', [
        field('Name', 'string', '0+'),
        field('ErrorCode', 'int16', '0+'),
        field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
      ]),
    ),
    '0+',
  ),
]);
