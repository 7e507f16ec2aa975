import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { AlterUserScramCredentialsRequest, AlterUserScramCredentialsResponse } from '../../protocol/messages/alter-user-scram-credentials.js';
import { credentialFromSaltedPassword, type ScramCredential, type ScramMechanism, scramMechanismById } from '../../protocol/sasl/scram.js';
import type { ApiHandler } from './api-handler.js';
import { clusterAuthorized } from './authorize.js';

interface UserError {
  errorCode: number;
  errorMessage: string;
}

/**
 * AlterUserScramCredentials (KIP-554): the client sends the salt and salted
 * password, the broker keeps the stored and server keys derived from them.
 * One result per user; a user with any bad item has none of its changes applied.
 */
export const alterUserScramCredentialsHandler: ApiHandler<typeof AlterUserScramCredentialsRequest, typeof AlterUserScramCredentialsResponse> = {
  request: AlterUserScramCredentialsRequest,
  response: AlterUserScramCredentialsResponse,
  async handle(request, ctx) {
    if (!clusterAuthorized(ctx, AclOperation.ALTER)) {
      const names = new Set([...request.deletions, ...request.upsertions].map((u) => u.name));
      return { throttleTimeMs: 0, results: [...names].map((user) => ({ user, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null })) };
    }
    const store = ctx.broker.scramCredentials;
    const users: string[] = [];
    const errors = new Map<string, UserError>();
    const seen = new Set<string>();
    const fail = (user: string, errorCode: number, errorMessage: string) => {
      if (!errors.has(user)) errors.set(user, { errorCode, errorMessage });
    };
    const deletions: Array<{ user: string; mechanism: ScramMechanism }> = [];
    const upsertions: Array<{ user: string; mechanism: ScramMechanism; credential: ScramCredential }> = [];
    const items = [
      ...request.deletions.map((d) => ({ ...d, upsertion: undefined })),
      ...request.upsertions.map((u) => ({ name: u.name, mechanism: u.mechanism, upsertion: u })),
    ];
    for (const item of items) {
      const user = item.name;
      if (!users.includes(user)) users.push(user);
      const mechanism = scramMechanismById(item.mechanism);
      if (user === '') fail(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Username must not be empty');
      else if (!mechanism) fail(user, ErrorCode.UNSUPPORTED_SASL_MECHANISM, 'Unknown SCRAM mechanism');
      else if (seen.has(`${mechanism.id}:${user}`)) fail(user, ErrorCode.DUPLICATE_RESOURCE, 'A user credential cannot be altered twice in the same request');
      if (!mechanism) continue;
      seen.add(`${mechanism.id}:${user}`);
      const u = item.upsertion;
      if (!u) {
        if (!store.get(user, mechanism)) fail(user, ErrorCode.RESOURCE_NOT_FOUND, 'Attempt to delete a user credential that does not exist');
        deletions.push({ user, mechanism });
      } else if (u.iterations < mechanism.minIterations) {
        fail(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too few iterations');
      } else if (u.iterations > mechanism.maxIterations) {
        fail(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'Too many iterations');
      } else if (u.salt.length === 0 || u.saltedPassword.length === 0) {
        fail(user, ErrorCode.UNACCEPTABLE_CREDENTIAL, 'The salt and salted password must not be empty');
      } else {
        upsertions.push({ user, mechanism, credential: credentialFromSaltedPassword(mechanism, Buffer.from(u.salt), u.saltedPassword, u.iterations) });
      }
    }
    try {
      await store.apply(
        deletions.filter((d) => !errors.has(d.user)),
        upsertions.filter((u) => !errors.has(u.user)),
      );
    } catch (e) {
      // Not kept (ZooKeeper unreachable): every user not already refused is told so.
      ctx.broker.log('warn', `AlterUserScramCredentials: the credentials could not be kept: ${(e as Error).message}`);
      for (const user of users) if (!errors.has(user)) errors.set(user, { errorCode: ErrorCode.UNKNOWN_SERVER_ERROR, errorMessage: (e as Error).message });
    }
    return {
      throttleTimeMs: 0,
      results: users.map((user) => ({ user, errorCode: errors.get(user)?.errorCode ?? ErrorCode.NONE, errorMessage: errors.get(user)?.errorMessage ?? null })),
    };
  },
};
