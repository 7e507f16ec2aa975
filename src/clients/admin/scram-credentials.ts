import { randomBytes } from 'node:crypto';
import { saltPassword, scramMechanismById, scramMechanismNamed } from '../../protocol/sasl/scram.js';
import { ClientConfigError } from '../network/errors.js';
import type { ScramCredentialInfo, UserScramCredentialAlteration } from './types.js';

const SALT_BYTES = 32;

/**
 * The AlterUserScramCredentials body for `alterations`: as Java's Admin, the
 * client draws the salt and salts the password, so only the salted password
 * travels (and the broker keeps only keys derived from it).
 */
export function alterUserScramCredentialsBody(alterations: readonly UserScramCredentialAlteration[]) {
  const deletions: Array<{ name: string; mechanism: number }> = [];
  const upsertions: Array<{ name: string; mechanism: number; iterations: number; salt: Buffer; saltedPassword: Buffer }> = [];
  for (const a of alterations) {
    const mechanism = scramMechanismNamed(a.mechanism);
    if (!mechanism) throw new ClientConfigError(`unknown SCRAM mechanism ${a.mechanism}; use SCRAM-SHA-256 or SCRAM-SHA-512`);
    if ('password' in a) {
      const salt = randomBytes(SALT_BYTES);
      upsertions.push({
        name: a.user,
        mechanism: mechanism.id,
        iterations: a.iterations,
        salt,
        saltedPassword: saltPassword(mechanism, a.password, salt, a.iterations),
      });
    } else {
      deletions.push({ name: a.user, mechanism: mechanism.id });
    }
  }
  return { deletions, upsertions };
}

/** A credential as DescribeUserScramCredentials lists it. */
export function credentialInfo(c: { mechanism: number; iterations: number }): ScramCredentialInfo {
  return { mechanism: scramMechanismById(c.mechanism)?.name ?? 'UNKNOWN', iterations: c.iterations };
}
