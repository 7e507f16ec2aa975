import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

/**
 * SCRAM (RFC 5802, RFC 7677) as Kafka uses it: the mechanisms with Kafka's
 * ids (AlterUserScramCredentials' int8) and iteration bounds, the key
 * derivations, and the four messages. Shared by the broker (the server side)
 * and samsa's clients.
 */
export interface ScramMechanism {
  readonly name: 'SCRAM-SHA-256' | 'SCRAM-SHA-512';
  /** Kafka's ScramMechanism type as AlterUserScramCredentials and DescribeUserScramCredentials carry it. */
  readonly id: number;
  readonly hash: 'sha256' | 'sha512';
  readonly keyLength: number;
  readonly minIterations: number;
  readonly maxIterations: number;
}

export const SCRAM_MECHANISMS: readonly ScramMechanism[] = [
  { name: 'SCRAM-SHA-256', id: 1, hash: 'sha256', keyLength: 32, minIterations: 4096, maxIterations: 16384 },
  { name: 'SCRAM-SHA-512', id: 2, hash: 'sha512', keyLength: 64, minIterations: 4096, maxIterations: 16384 },
];

export function scramMechanismNamed(name: string): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.name === name);
}

export function scramMechanismById(id: number): ScramMechanism | undefined {
  return SCRAM_MECHANISMS.find((m) => m.id === id);
}

/** What a server keeps of a password: never the password, nor the salted password. */
export interface ScramCredential {
  readonly salt: Buffer;
  readonly storedKey: Buffer;
  readonly serverKey: Buffer;
  readonly iterations: number;
}

/** Hi(): PBKDF2 with the mechanism's HMAC. */
export function saltPassword(mechanism: ScramMechanism, password: string, salt: Buffer, iterations: number): Buffer {
  return pbkdf2Sync(Buffer.from(password.normalize('NFKC'), 'utf8'), salt, iterations, mechanism.keyLength, mechanism.hash);
}

export function hmac(mechanism: ScramMechanism, key: Buffer, text: string | Buffer): Buffer {
  return createHmac(mechanism.hash, key).update(text).digest();
}

export function digest(mechanism: ScramMechanism, bytes: Buffer): Buffer {
  return createHash(mechanism.hash).update(bytes).digest();
}

export function clientKeyOf(mechanism: ScramMechanism, saltedPassword: Buffer): Buffer {
  return hmac(mechanism, saltedPassword, 'Client Key');
}

/** The credential a server stores, from the salted password a client computed (AlterUserScramCredentials sends that). */
export function credentialFromSaltedPassword(mechanism: ScramMechanism, salt: Buffer, saltedPassword: Buffer, iterations: number): ScramCredential {
  return {
    salt,
    storedKey: digest(mechanism, clientKeyOf(mechanism, saltedPassword)),
    serverKey: hmac(mechanism, saltedPassword, 'Server Key'),
    iterations,
  };
}

export function xor(a: Buffer, b: Buffer): Buffer {
  const out = Buffer.allocUnsafe(a.length);
  for (let i = 0; i < a.length; i++) out[i] = a[i]! ^ (b[i] ?? 0);
  return out;
}

export function constantTimeEquals(a: Buffer, b: Buffer): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** A printable nonce (RFC 5802 allows any printable but ','). */
export function scramNonce(): string {
  return randomBytes(24).toString('base64');
}

/** saslname: '=' and ',' escaped as =3D and =2C. */
export function escapeSaslName(name: string): string {
  return name.replace(/=/g, '=3D').replace(/,/g, '=2C');
}

/** The inverse of escapeSaslName; undefined when an '=' starts anything else (RFC 5802 says fail). */
export function unescapeSaslName(name: string): string | undefined {
  if (/=(?!2C|3D)/.test(name)) return undefined;
  return name.replace(/=2C/g, ',').replace(/=3D/g, '=');
}

/** `a=1,b=2` attributes of a SCRAM message, in order; undefined when one is malformed. */
export function parseScramAttributes(text: string): Array<[string, string]> | undefined {
  const out: Array<[string, string]> = [];
  for (const part of text.split(',')) {
    const m = /^([A-Za-z])=(.*)$/s.exec(part);
    if (!m) return undefined;
    out.push([m[1]!, m[2]!]);
  }
  return out;
}

export interface ClientFirstMessage {
  readonly gs2Header: string;
  readonly bare: string;
  readonly username: string;
  readonly nonce: string;
  readonly extensions: ReadonlyMap<string, string>;
}

/** `n,,n=user,r=nonce[,ext=value…]`; undefined when it is not one (channel binding is not offered, so only `n` and `y` flags). */
export function parseClientFirst(text: string): ClientFirstMessage | undefined {
  const m = /^([ny]),(a=[^,]*)?,(.*)$/s.exec(text);
  if (!m) return undefined;
  const bare = m[3]!;
  const attributes = parseScramAttributes(bare);
  if (!attributes || attributes.length < 2 || attributes[0]![0] !== 'n' || attributes[1]![0] !== 'r') return undefined;
  const username = unescapeSaslName(attributes[0]![1]);
  const nonce = attributes[1]![1];
  if (username === undefined || nonce === '' || nonce.includes(',')) return undefined;
  return { gs2Header: `${m[1]},${m[2] ?? ''},`, bare, username, nonce, extensions: new Map(attributes.slice(2)) };
}

export interface ClientFinalMessage {
  readonly channelBinding: string;
  readonly nonce: string;
  readonly proof: Buffer;
  /** The message up to its proof, part of the AuthMessage. */
  readonly withoutProof: string;
}

export function parseClientFinal(text: string): ClientFinalMessage | undefined {
  const at = text.lastIndexOf(',p=');
  if (at < 0) return undefined;
  const withoutProof = text.slice(0, at);
  const attributes = parseScramAttributes(withoutProof);
  if (!attributes || attributes.length < 2 || attributes[0]![0] !== 'c' || attributes[1]![0] !== 'r') return undefined;
  const proof = text.slice(at + 3);
  if (!/^[A-Za-z0-9+/]*={0,2}$/.test(proof)) return undefined;
  return { channelBinding: attributes[0]![1], nonce: attributes[1]![1], proof: Buffer.from(proof, 'base64'), withoutProof };
}

export interface ServerFirstMessage {
  readonly nonce: string;
  readonly salt: Buffer;
  readonly iterations: number;
}

export function parseServerFirst(text: string): ServerFirstMessage | undefined {
  const attributes = parseScramAttributes(text);
  if (!attributes) return undefined;
  const values = new Map(attributes);
  const nonce = values.get('r');
  const salt = values.get('s');
  const iterations = Number(values.get('i'));
  if (nonce === undefined || salt === undefined || !Number.isInteger(iterations) || iterations < 1) return undefined;
  return { nonce, salt: Buffer.from(salt, 'base64'), iterations };
}
