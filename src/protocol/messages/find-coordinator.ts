import { array, field, message, struct } from '../schema/schema.js';

// Up to v3 a request names one key and the response carries one coordinator;
// from v4 (KIP-699) both are batched.
export const FindCoordinatorRequest = message('FindCoordinatorRequest', 10, 'request', '0-6', '3+', [
  field('Key', 'string', '0-3'),
  // 0 = group, 1 = transaction, 2 = share (v6).
  field('KeyType', 'int8', '1+', { default: 0 }),
  field('CoordinatorKeys', array('string'), '4+'),
]);

export const FindCoordinatorResponse = message('FindCoordinatorResponse', 10, 'response', '0-6', '3+', [
  field('ThrottleTimeMs', 'int32', '1+', { ignorable: true }),
  field('ErrorCode', 'int16', '0-3'),
  field('ErrorMessage', 'string', '1-3', { nullable: '1-3', ignorable: true }),
  field('NodeId', 'int32', '0-3'),
  field('Host', 'string', '0-3'),
  field('Port', 'int32', '0-3'),
  field(
    'Coordinators',
    array(
      struct('Coordinator', [
        field('Key', 'string', '4+'),
        field('NodeId', 'int32', '4+'),
        field('Host', 'string', '4+'),
        field('Port', 'int32', '4+'),
        field('ErrorCode', 'int16', '4+'),
        field('ErrorMessage', 'string', '4+', { nullable: '4+', ignorable: true }),
      ]),
    ),
    '4+',
  ),
]);
