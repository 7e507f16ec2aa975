/**
 * The server side of one SASL mechanism on one connection, as Java's
 * SaslServer: each token from the client gets a challenge back until it is
 * complete, with the user it authenticated.
 */
export interface SaslServer {
  readonly mechanism: string;
  /** The challenge for `token`; throws SaslAuthenticationError when the client failed. */
  evaluate(token: Buffer): Buffer;
  readonly complete: boolean;
  /** The authenticated user, once complete. */
  readonly authorizationId: string | undefined;
}

/** Authentication failed: the message goes to the client (Kafka's SaslAuthenticationException), so it holds no secret. */
export class SaslAuthenticationError extends Error {}
