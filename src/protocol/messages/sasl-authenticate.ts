import { field, message } from '../schema/schema.js';

// The SASL tokens of a mechanism, framed as Kafka requests after a SaslHandshake v1 (KIP-152).
export const SaslAuthenticateRequest = message('SaslAuthenticateRequest', 36, 'request', '0-2', '2+', [field('AuthBytes', 'bytes', '0+')]);

export const SaslAuthenticateResponse = message('SaslAuthenticateResponse', 36, 'response', '0-2', '2+', [
  field('ErrorCode', 'int16', '0+'),
  field('ErrorMessage', 'string', '0+', { nullable: '0+', default: null }),
  field('AuthBytes', 'bytes', '0+'),
  field('SessionLifetimeMs', 'int64', '1+', { default: 0, ignorable: true }),
]);
