import { array, field, message, struct } from '../schema/schema.js';

export const SyncGroupRequest = message('SyncGroupRequest', 14, 'request', '0-5', '4+', [
  field('GroupId', 'string', '0+'),
  field('GenerationId', 'int32', '0+'),
  field('MemberId', 'string', '0+'),
  field('GroupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
  field('ProtocolType', 'string', '5+', { nullable: '5+', default: null, ignorable: true }),
  field('ProtocolName', 'string', '5+', { nullable: '5+', default: null, ignorable: true }),
  field('Assignments', array(struct('SyncGroupRequestAssignment', [field('MemberId', 'string', '0+'), field('Assignment', 'bytes', '0+')])), '0+'),
]);

export const SyncGroupResponse = message('SyncGroupResponse', 14, 'response', '0-5', '4+', [
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true }),
  field('ErrorCode', 'int16', '0+'),
  field('ProtocolType', 'string', '5+', { nullable: '5+', default: null, ignorable: true }),
  field('ProtocolName', 'string', '5+', { nullable: '5+', default: null, ignorable: true }),
  field('Assignment', 'bytes', '0+'),
]);
