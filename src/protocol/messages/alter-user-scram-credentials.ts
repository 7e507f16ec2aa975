import { array, field, message, struct } from '../schema/schema.js';

// KIP-554: the client salts the password; the broker never sees it.
export const AlterUserScramCredentialsRequest = message('AlterUserScramCredentialsRequest', 51, 'request', '0', '0+', [
  field('Deletions', array(struct('ScramCredentialDeletion', [field('Name', 'string', '0+'), field('Mechanism', 'int8', '0+')])), '0+'),
  field(
    'Upsertions',
    array(
      struct('ScramCredentialUpsertion', [
        field('Name', 'string', '0+'),
        field('Mechanism', 'int8', '0+'),
        field('Iterations', 'int32', '0+'),
        field('Salt', 'bytes', '0+'),
        field('SaltedPassword', 'bytes', '0+'),
      ]),
    ),
    '0+',
  ),
]);

export const AlterUserScramCredentialsResponse = message('AlterUserScramCredentialsResponse', 51, 'response', '0', '0+', [
  field('ThrottleTimeMs', 'int32', '0+'),
  field(
    'Results',
    array(
      struct('AlterUserScramCredentialsResult', [
        field('User', 'string', '0+'),
        field('ErrorCode', 'int16', '0+'),
        field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
      ]),
    ),
    '0+',
  ),
]);
