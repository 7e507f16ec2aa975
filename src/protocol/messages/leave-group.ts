import { array, field, message, struct } from '../schema/schema.js';

// v3 (KIP-345) replaced the single MemberId with a batch of members.
export const LeaveGroupRequest = message('LeaveGroupRequest', 13, 'request', '0-5', '4+', [
  field('GroupId', 'string', '0+'),
  field('MemberId', 'string', '0-2'),
  field(
    'Members',
    array(
      struct('MemberIdentity', [
        field('MemberId', 'string', '3+'),
        field('GroupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
        field('Reason', 'string', '5+', { nullable: '5+', default: null, ignorable: true }),
      ]),
    ),
    '3+',
  ),
]);

export const LeaveGroupResponse = message('LeaveGroupResponse', 13, 'response', '0-5', '4+', [
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true }),
  field('ErrorCode', 'int16', '0+'),
  field(
    'Members',
    array(
      struct('MemberResponse', [
        field('MemberId', 'string', '3+'),
        field('GroupInstanceId', 'string', '3+', { nullable: '3+' }),
        field('ErrorCode', 'int16', '3+'),
      ]),
    ),
    '3+',
  ),
]);
