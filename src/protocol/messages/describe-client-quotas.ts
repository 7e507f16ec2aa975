import { array, field, message, struct } from '../schema/schema.js';

// KIP-546: the quotas of users, client ids and their pairs, matched by components.
export const DescribeClientQuotasRequest = message('DescribeClientQuotasRequest', 48, 'request', '0-1', '1+', [
  field(
    'Components',
    array(
      struct('ComponentData', [
        field('EntityType', 'string', '0+'),
        // 0: exact name, 1: the default entity, 2: any named entity.
        field('MatchType', 'int8', '0+'),
        field('Match', 'string', '0+', { nullable: '0+', default: null }),
      ]),
    ),
    '0+',
  ),
  field('Strict', 'bool', '0+'),
]);

export const DescribeClientQuotasResponse = message('DescribeClientQuotasResponse', 48, 'response', '0-1', '1+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
  field(
    'Entries',
    array(
      struct('EntryData', [
        field('Entity', array(struct('EntityData', [field('EntityType', 'string', '0+'), field('EntityName', 'string', '0+', { nullable: '0+' })])), '0+'),
        field('Values', array(struct('ValueData', [field('Key', 'string', '0+'), field('Value', 'float64', '0+')])), '0+'),
      ]),
    ),
    '0+',
    { nullable: '0+' },
  ),
]);
