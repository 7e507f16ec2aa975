import { ErrorCode } from '../../protocol/error-codes.js';
import { SaslAuthenticateRequest, SaslAuthenticateResponse } from '../../protocol/messages/sasl-authenticate.js';
import type { ApiHandler } from './api-handler.js';

/** SaslAuthenticate outside authentication (a SASL listener's authenticator answers it before): ILLEGAL_SASL_STATE, as Kafka's KafkaApis answers. */
export const saslAuthenticateHandler: ApiHandler<typeof SaslAuthenticateRequest, typeof SaslAuthenticateResponse> = {
  request: SaslAuthenticateRequest,
  response: SaslAuthenticateResponse,
  handle: (_request, ctx) => ({
    errorCode: ErrorCode.ILLEGAL_SASL_STATE,
    errorMessage: ctx.session.securityProtocol.startsWith('SASL')
      ? 'SaslAuthenticate request received after successful authentication'
      : `SaslAuthenticate request received on a ${ctx.session.securityProtocol} listener`,
    authBytes: Buffer.alloc(0),
    sessionLifetimeMs: 0,
  }),
};
