import { field, message } from '../schema/schema.js';

export const HeartbeatRequest = message('HeartbeatRequest', 12, 'request', '0-4', '4+', [
  field('GroupId', 'string', '0+'),
  field('GenerationId', 'int32', '0+'),
  field('MemberId', 'string', '0+'),
  field('GroupInstanceId', 'string', '3+', { nullable: '3+', default: null }),
]);

export const HeartbeatResponse = message('HeartbeatResponse', 12, 'response', '0-4', '4+', [
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true }),
  field('ErrorCode', 'int16', '0+'),
]);
