import { createHash, timingSafeEqual } from 'node:crypto';
import { SaslAuthenticationError, type SaslServer } from './sasl-server.js';

/**
 * SASL/PLAIN (RFC 4616) against the users of the listener's JAAS config
 * (`user_<name>="<password>"` options of PlainLoginModule), as Kafka's
 * PlainSaslServer with its default callback handler.
 */
export class PlainServer implements SaslServer {
  readonly mechanism = 'PLAIN';
  complete = false;
  authorizationId: string | undefined;

  constructor(private readonly passwords: ReadonlyMap<string, string>) {}

  evaluate(token: Buffer): Buffer {
    if (this.complete) throw new SaslAuthenticationError('Authentication failed: PLAIN is already complete');
    // authzid NUL authcid NUL passwd
    const parts = token.toString('utf8').split('\u0000');
    if (parts.length !== 3) throw new SaslAuthenticationError(`Invalid SASL/PLAIN response: expected 3 tokens, got ${parts.length}`);
    const [authorizationIdFromClient, username, password] = parts as [string, string, string];
    if (username === '') throw new SaslAuthenticationError('Authentication failed: username not specified');
    if (password === '') throw new SaslAuthenticationError('Authentication failed: password not specified');
    const expected = this.passwords.get(username);
    // Compared in constant time over digests, and for unknown users too, so timing tells nothing of names or passwords.
    const matches = samePassword(password, expected ?? '\u0000unknown user');
    if (expected === undefined || !matches) throw new SaslAuthenticationError('Authentication failed: Invalid username or password');
    if (authorizationIdFromClient !== '' && authorizationIdFromClient !== username) {
      throw new SaslAuthenticationError('Authentication failed: Client requested an authorization id that is different from username');
    }
    this.complete = true;
    this.authorizationId = username;
    return Buffer.alloc(0);
  }
}

function samePassword(given: string, expected: string): boolean {
  const a = createHash('sha256').update(given).digest();
  const b = createHash('sha256').update(expected).digest();
  return timingSafeEqual(a, b);
}

/** The users of a PlainLoginModule's options: `user_alice="secret"` is alice's password. */
export function plainUsers(options: ReadonlyMap<string, string>): Map<string, string> {
  const users = new Map<string, string>();
  for (const [name, value] of options) if (name.startsWith('user_')) users.set(name.slice('user_'.length), value);
  return users;
}
