import { createHmac, randomBytes } from 'node:crypto';
import {
  type ClientFirstMessage,
  constantTimeEquals,
  credentialFromSaltedPassword,
  digest,
  escapeSaslName,
  hmac,
  parseClientFinal,
  parseClientFirst,
  type ScramCredential,
  type ScramMechanism,
  scramNonce,
  xor,
} from '../../../protocol/sasl/scram.js';
import { SaslAuthenticationError, type SaslServer } from './sasl-server.js';

/** Per process: makes the stand-in credential of an unknown user stable, so its salt does not give the user away. */
const UNKNOWN_USER_SECRET = randomBytes(32);

/**
 * SCRAM-SHA-256/512 (RFC 5802, RFC 7677) as Kafka's ScramSaslServer: client
 * first → server first (nonce, salt, iterations) → client final with its
 * proof → server final with the server's signature. It checks the proof
 * against the stored key only; the password is never known here.
 */
export class ScramServer implements SaslServer {
  complete = false;
  authorizationId: string | undefined;
  private state: 'client-first' | 'client-final' | 'done' = 'client-first';
  private clientFirst: ClientFirstMessage | undefined;
  private serverFirst = '';
  private nonce = '';
  private credential: ScramCredential | undefined;
  private knownUser = false;

  constructor(
    private readonly scram: ScramMechanism,
    private readonly credentials: (user: string, mechanism: ScramMechanism) => ScramCredential | undefined,
  ) {}

  get mechanism(): string {
    return this.scram.name;
  }

  evaluate(token: Buffer): Buffer {
    switch (this.state) {
      case 'client-first':
        return this.onClientFirst(token.toString('utf8'));
      case 'client-final':
        return this.onClientFinal(token.toString('utf8'));
      default:
        throw this.failed();
    }
  }

  private onClientFirst(text: string): Buffer {
    const first = parseClientFirst(text);
    if (!first) throw this.failed();
    // Delegation tokens (tokenauth=true) are not issued by samsa.
    if (first.extensions.get('tokenauth') === 'true') throw this.failed();
    this.clientFirst = first;
    const stored = this.credentials(first.username, this.scram);
    this.knownUser = stored !== undefined;
    this.credential = stored ?? this.standIn(first.username);
    this.nonce = first.nonce + scramNonce();
    this.serverFirst = `r=${this.nonce},s=${this.credential.salt.toString('base64')},i=${this.credential.iterations}`;
    this.state = 'client-final';
    return Buffer.from(this.serverFirst, 'utf8');
  }

  private onClientFinal(text: string): Buffer {
    this.state = 'done';
    const final = parseClientFinal(text);
    const first = this.clientFirst!;
    // Ending with the server's nonce is enough, as in Kafka: librdkafka before 2.2 sends its own nonce again in front of it.
    if (!final?.nonce.endsWith(this.nonce) || final.channelBinding !== Buffer.from(first.gs2Header, 'utf8').toString('base64')) throw this.failed();
    const credential = this.credential!;
    const authMessage = `${first.bare},${this.serverFirst},${final.withoutProof}`;
    const clientSignature = hmac(this.scram, credential.storedKey, authMessage);
    const clientKey = xor(final.proof, clientSignature);
    const proofValid = final.proof.length === this.scram.keyLength && constantTimeEquals(digest(this.scram, clientKey), credential.storedKey);
    if (!proofValid || !this.knownUser) throw this.failed();
    this.complete = true;
    this.authorizationId = first.username;
    return Buffer.from(`v=${hmac(this.scram, credential.serverKey, authMessage).toString('base64')}`, 'utf8');
  }

  /** Kafka's answer to every SCRAM failure: it says nothing of which part was wrong. */
  private failed(): SaslAuthenticationError {
    this.state = 'done';
    return new SaslAuthenticationError(`Authentication failed during authentication due to invalid credentials with SASL mechanism ${this.scram.name}`);
  }

  /** A credential no proof matches, the same for the same unknown name each time. */
  private standIn(user: string): ScramCredential {
    const salt = createHmac('sha256', UNKNOWN_USER_SECRET).update(escapeSaslName(user)).digest().subarray(0, 16);
    const fake = createHmac(this.scram.hash, UNKNOWN_USER_SECRET).update(salt).digest();
    return credentialFromSaltedPassword(this.scram, salt, fake, this.scram.minIterations);
  }
}
