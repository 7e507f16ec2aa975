import { array, field, message, struct } from '../schema/schema.js';

// KIP-554: which SCRAM credentials users have (mechanisms and iterations, never keys).
export const DescribeUserScramCredentialsRequest = message('DescribeUserScramCredentialsRequest', 50, 'request', '0', '0+', [
  field('Users', array(struct('UserName', [field('Name', 'string', '0+')])), '0+', { nullable: '0+' }),
]);

export const DescribeUserScramCredentialsResponse = message('DescribeUserScramCredentialsResponse', 50, 'response', '0', '0+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field('ErrorCode', 'int16', '0+'),
  field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
  field(
    'Results',
    array(
      struct('DescribeUserScramCredentialsResult', [
        field('User', 'string', '0+'),
        field('ErrorCode', 'int16', '0+'),
        field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
        field('CredentialInfos', array(struct('CredentialInfo', [field('Mechanism', 'int8', '0+'), field('Iterations', 'int32', '0+')])), '0+'),
      ]),
    ),
    '0+',
  ),
]);
