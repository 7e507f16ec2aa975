import {
  clientKeyOf,
  constantTimeEquals,
  digest,
  escapeSaslName,
  hmac,
  parseServerFirst,
  saltPassword,
  scramMechanismNamed,
  scramNonce,
  xor,
} from '../../protocol/sasl/scram.js';
import type { SaslCredentials } from './client-security.js';
import { KafkaClientError } from './errors.js';

/** The broker's answer did not prove it knows the credential (SCRAM's server signature), or made no sense. */
export class SaslClientError extends KafkaClientError {}

/**
 * The client side of a SASL exchange: sends each token through `exchange`
 * (a SaslAuthenticate round trip) and checks what comes back. PLAIN is one
 * token; SCRAM (RFC 5802) two, and the server's final message is verified.
 */
export async function authenticateSasl(credentials: SaslCredentials, exchange: (token: Buffer) => Promise<Buffer>): Promise<void> {
  if (credentials.mechanism === 'PLAIN') {
    await exchange(Buffer.from(`\u0000${credentials.username}\u0000${credentials.password}`, 'utf8'));
    return;
  }
  const scram = scramMechanismNamed(credentials.mechanism)!;
  const clientNonce = scramNonce();
  const bare = `n=${escapeSaslName(credentials.username)},r=${clientNonce}`;
  const gs2Header = 'n,,';
  const serverFirstText = (await exchange(Buffer.from(gs2Header + bare, 'utf8'))).toString('utf8');
  const serverFirst = parseServerFirst(serverFirstText);
  if (!serverFirst?.nonce.startsWith(clientNonce) || serverFirst.nonce === clientNonce)
    throw new SaslClientError(`${scram.name}: the broker's first message is not valid`);
  if (serverFirst.iterations < scram.minIterations)
    throw new SaslClientError(`${scram.name}: the broker asked for ${serverFirst.iterations} iterations, fewer than ${scram.minIterations}`);
  const salted = saltPassword(scram, credentials.password, serverFirst.salt, serverFirst.iterations);
  const withoutProof = `c=${Buffer.from(gs2Header, 'utf8').toString('base64')},r=${serverFirst.nonce}`;
  const authMessage = `${bare},${serverFirstText},${withoutProof}`;
  const clientKey = clientKeyOf(scram, salted);
  const proof = xor(clientKey, hmac(scram, digest(scram, clientKey), authMessage));
  const serverFinal = (await exchange(Buffer.from(`${withoutProof},p=${proof.toString('base64')}`, 'utf8'))).toString('utf8');
  const expected = hmac(scram, hmac(scram, salted, 'Server Key'), authMessage);
  const m = /^v=([A-Za-z0-9+/=]+)$/.exec(serverFinal);
  if (!m || !constantTimeEquals(Buffer.from(m[1]!, 'base64'), expected))
    throw new SaslClientError(`${scram.name}: the broker's signature does not match; it does not hold this user's credential`);
}
