import type { MessageSchema } from '../schema/schema.js';
import { ApiVersionsRequest, ApiVersionsResponse } from './api-versions.js';
import { RequestHeader, ResponseHeader } from './headers.js';

export * from './api-versions.js';
export * from './headers.js';

/** Every message samsa defines; the spec cross-check test walks this list. */
export const ALL_MESSAGES: readonly MessageSchema[] = [RequestHeader, ResponseHeader, ApiVersionsRequest, ApiVersionsResponse];
