import { ErrorCode } from '../../protocol/error-codes.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../protocol/messages/api-versions.js';
import type { ApiHandler } from './api-handler.js';

/** ApiVersions: the versions of every API this broker answers (filled in by the broker at start). */
export function apiVersionsHandler(
  supported: () => Array<{ apiKey: number; minVersion: number; maxVersion: number }>,
): ApiHandler<typeof ApiVersionsRequest, typeof ApiVersionsResponse> {
  return {
    request: ApiVersionsRequest,
    response: ApiVersionsResponse,
    handle: () => ({ errorCode: ErrorCode.NONE, apiKeys: supported(), throttleTimeMs: 0, finalizedFeaturesEpoch: -1 }),
  };
}
