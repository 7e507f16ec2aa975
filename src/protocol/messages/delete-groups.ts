import { array, field, message, struct } from '../schema/schema.js';

export const DeleteGroupsRequest = message('DeleteGroupsRequest', 42, 'request', '0-2', '2+', [field('GroupsNames', array('string'), '0+')]);

export const DeleteGroupsResponse = message('DeleteGroupsResponse', 42, 'response', '0-2', '2+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('Results', array(struct('DeletableGroupResult', [field('GroupId', 'string', '0+'), field('ErrorCode', 'int16', '0+')])), '0+'),
]);
