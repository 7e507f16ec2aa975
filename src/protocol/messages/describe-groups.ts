import { array, field, message, struct } from '../schema/schema.js';

const NO_AUTHORIZED_OPERATIONS = -2147483648;

export const DescribeGroupsRequest = message('DescribeGroupsRequest', 15, 'request', '0-5', '5+', [
  field('Groups', array('string'), '0+'),
  field('IncludeAuthorizedOperations', 'bool', '3+'),
]);

export const DescribeGroupsResponse = message('DescribeGroupsResponse', 15, 'response', '0-5', '5+', [
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true }),
  field(
    'Groups',
    array(
      struct('DescribedGroup', [
        field('ErrorCode', 'int16', '0+'),
        field('GroupId', 'string', '0+'),
        field('GroupState', 'string', '0+'),
        field('ProtocolType', 'string', '0+'),
        field('ProtocolData', 'string', '0+'),
        field(
          'Members',
          array(
            struct('DescribedGroupMember', [
              field('MemberId', 'string', '0+'),
              field('GroupInstanceId', 'string', '4+', { nullable: '4+', default: null, ignorable: true }),
              field('ClientId', 'string', '0+'),
              field('ClientHost', 'string', '0+'),
              field('MemberMetadata', 'bytes', '0+'),
              field('MemberAssignment', 'bytes', '0+'),
            ]),
          ),
          '0+',
        ),
        field('AuthorizedOperations', 'int32', '3+', { default: NO_AUTHORIZED_OPERATIONS }),
      ]),
    ),
    '0+',
  ),
]);
