import { ErrorCode } from '../../protocol/error-codes.js';
import { SaslHandshakeRequest, SaslHandshakeResponse } from '../../protocol/messages/sasl-handshake.js';
import type { ApiHandler } from './api-handler.js';

// A SASL listener's authenticator answers these before authentication; what reaches the handlers is out of place: a
// PLAINTEXT or SSL listener, or a connection already authenticated (re-authentication, KIP-368, is not offered).

/** SaslHandshake outside authentication: ILLEGAL_SASL_STATE, as Kafka's KafkaApis answers. */
export const saslHandshakeHandler: ApiHandler<typeof SaslHandshakeRequest, typeof SaslHandshakeResponse> = {
  request: SaslHandshakeRequest,
  response: SaslHandshakeResponse,
  handle: () => ({ errorCode: ErrorCode.ILLEGAL_SASL_STATE, mechanisms: [] }),
};
