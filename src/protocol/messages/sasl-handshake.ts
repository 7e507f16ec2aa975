import { array, field, message } from '../schema/schema.js';

// v0 is followed by raw SASL tokens on the socket; v1 by SaslAuthenticate requests.
export const SaslHandshakeRequest = message('SaslHandshakeRequest', 17, 'request', '0-1', 'none', [field('Mechanism', 'string', '0+')]);

export const SaslHandshakeResponse = message('SaslHandshakeResponse', 17, 'response', '0-1', 'none', [
  field('ErrorCode', 'int16', '0+'),
  field('Mechanisms', array('string'), '0+'),
]);
