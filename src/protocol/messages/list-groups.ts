import { array, field, message, struct } from '../schema/schema.js';

export const ListGroupsRequest = message('ListGroupsRequest', 16, 'request', '0-5', '3+', [
  field('StatesFilter', array('string'), '4+'),
  field('TypesFilter', array('string'), '5+'),
]);

export const ListGroupsResponse = message('ListGroupsResponse', 16, 'response', '0-5', '3+', [
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true }),
  field('ErrorCode', 'int16', '0+'),
  field(
    'Groups',
    array(
      struct('ListedGroup', [
        field('GroupId', 'string', '0+'),
        field('ProtocolType', 'string', '0+'),
        field('GroupState', 'string', '4+', { ignorable: true }),
        field('GroupType', 'string', '5+', { ignorable: true }),
      ]),
    ),
    '0+',
  ),
]);
