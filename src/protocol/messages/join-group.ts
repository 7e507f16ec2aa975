import { array, field, message, struct } from '../schema/schema.js';

export const JoinGroupRequest = message('JoinGroupRequest', 11, 'request', '0-9', '6+', [
  field('GroupId', 'string', '0+'),
  field('SessionTimeoutMs', 'int32', '0+'),
  field('RebalanceTimeoutMs', 'int32', '1+', { default: -1, ignorable: true }),
  field('MemberId', 'string', '0+'),
  field('GroupInstanceId', 'string', '5+', { nullable: '5+', default: null }),
  field('ProtocolType', 'string', '0+'),
  field('Protocols', array(struct('JoinGroupRequestProtocol', [field('Name', 'string', '0+'), field('Metadata', 'bytes', '0+')])), '0+'),
  field('Reason', 'string', '8+', { nullable: '8+', default: null, ignorable: true }),
]);

export const JoinGroupResponse = message('JoinGroupResponse', 11, 'response', '0-9', '6+', [
  field('ThrottleTimeMs', 'int32', '2+', { ignorable: true }),
  field('ErrorCode', 'int16', '0+'),
  field('GenerationId', 'int32', '0+', { default: -1 }),
  field('ProtocolType', 'string', '7+', { nullable: '7+', default: null, ignorable: true }),
  // Carried by every version but null only from v7, so the default is Kafka's implicit "" rather than null.
  field('ProtocolName', 'string', '0+', { nullable: '7+', default: '' }),
  field('Leader', 'string', '0+'),
  field('SkipAssignment', 'bool', '9+', { default: false }),
  field('MemberId', 'string', '0+'),
  field(
    'Members',
    array(
      struct('JoinGroupResponseMember', [
        field('MemberId', 'string', '0+'),
        field('GroupInstanceId', 'string', '5+', { nullable: '5+', default: null, ignorable: true }),
        field('Metadata', 'bytes', '0+'),
      ]),
    ),
    '0+',
  ),
]);
