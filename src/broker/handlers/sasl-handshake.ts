import { ErrorCode } from '../../protocol/error-codes.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/messages/sasl-authenticate.js';
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

/** SaslAuthenticate outside authentication: ILLEGAL_SASL_STATE. */
export const saslAuthenticateHandler: ApiHandler<typeof SaslAuthenticateRequest, typeof SaslAuthenticateResponse> = {
  request: SaslAuthenticateRequest,
  response: SaslAuthenticateResponse,
  handle: (_request, ctx) => ({
    errorCode: ErrorCode.ILLEGAL_SASL_STATE,
    errorMessage: ctx.session.securityProtocol.startsWith('SASL') ? 'SaslAuthenticate request received after successful authentication' : `SaslAuthenticate request received on a ${ctx.session.securityProtocol} listener`,
    authBytes: Buffer.alloc(0),
    sessionLifetimeMs: 0,
  }),
};
