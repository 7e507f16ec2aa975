import { AclOperation } from '../../protocol/acl.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { DescribeUserScramCredentialsRequest, DescribeUserScramCredentialsResponse } from '../../protocol/messages/describe-user-scram-credentials.js';
import type { ApiHandler } from './api-handler.js';
import { clusterAuthorized } from './authorize.js';

/** DescribeUserScramCredentials: each user's mechanisms and iterations, never the keys; every user when none is named. */
export const describeUserScramCredentialsHandler: ApiHandler<typeof DescribeUserScramCredentialsRequest, typeof DescribeUserScramCredentialsResponse> = {
  request: DescribeUserScramCredentialsRequest,
  response: DescribeUserScramCredentialsResponse,
  handle(request, ctx) {
    if (!clusterAuthorized(ctx, AclOperation.DESCRIBE))
      return { throttleTimeMs: 0, errorCode: ErrorCode.CLUSTER_AUTHORIZATION_FAILED, errorMessage: null, results: [] };
    const store = ctx.broker.scramCredentials;
    const asked = request.users === null || request.users.length === 0 ? null : request.users.map((u) => u.name);
    const counts = new Map<string, number>();
    for (const user of asked ?? []) counts.set(user, (counts.get(user) ?? 0) + 1);
    const users = asked ? [...counts.keys()] : store.userNames();
    return {
      throttleTimeMs: 0,
      errorCode: ErrorCode.NONE,
      errorMessage: null,
      results: users.map((user) => {
        const credentials = store.describe(user);
        const error: { errorCode: number; errorMessage: string } | undefined =
          counts.get(user)! > 1
            ? { errorCode: ErrorCode.DUPLICATE_RESOURCE, errorMessage: 'Cannot describe SCRAM credentials for the same user twice in a single request' }
            : credentials.length === 0
              ? { errorCode: ErrorCode.RESOURCE_NOT_FOUND, errorMessage: 'Attempt to describe a user credential that does not exist' }
              : undefined;
        return {
          user,
          errorCode: error?.errorCode ?? ErrorCode.NONE,
          errorMessage: error?.errorMessage ?? null,
          credentialInfos: error ? [] : credentials.map((c) => ({ mechanism: c.mechanism.id, iterations: c.iterations })),
        };
      }),
    };
  },
};
