import { array, field, message, struct } from '../schema/schema.js';

const EntityData = struct('EntityData', [field('EntityType', 'string', '0+'), field('EntityName', 'string', '0+', { nullable: '0+' })]);

// KIP-546: set or remove quota values of users, client ids and their pairs; a null name is the default entity.
export const AlterClientQuotasRequest = message('AlterClientQuotasRequest', 49, 'request', '0-1', '1+', [
  field(
    'Entries',
    array(
      struct('EntryData', [
        field('Entity', array(EntityData), '0+'),
        field('Ops', array(struct('OpData', [field('Key', 'string', '0+'), field('Value', 'float64', '0+'), field('Remove', 'bool', '0+')])), '0+'),
      ]),
    ),
    '0+',
  ),
  field('ValidateOnly', 'bool', '0+'),
]);

export const AlterClientQuotasResponse = message('AlterClientQuotasResponse', 49, 'response', '0-1', '1+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'Entries',
    array(
      struct('EntryData', [
        field('ErrorCode', 'int16', '0+'),
        field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
        field('Entity', array(EntityData), '0+'),
      ]),
    ),
    '0+',
  ),
]);
