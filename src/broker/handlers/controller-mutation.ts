import type { ControllerMutationQuota } from '../quota/controller-mutation-quota.js';
import type { RequestContext } from './api-handler.js';

/**
 * The controller_mutation_rate quota of a CreateTopics, CreatePartitions or
 * DeleteTopics request (KIP-599): strict from `strictSinceVersion`, the first
 * version whose clients know THROTTLING_QUOTA_EXCEEDED; permissive before,
 * and for topics a Metadata request creates (-1: never strict).
 */
export function controllerMutationQuota(ctx: RequestContext, strictSinceVersion: number): ControllerMutationQuota {
  const strict = strictSinceVersion >= 0 && ctx.apiVersion >= strictSinceVersion;
  return ctx.broker.quotas.controllerMutationQuota(ctx.session.principal.name, ctx.clientId ?? '', strict, Date.now());
}

/** The throttle a request's mutations earned: its connection stops reading as long, and the response says so. */
export function mutationThrottleTimeMs(ctx: RequestContext, quota: ControllerMutationQuota): number {
  const ms = quota.throttleTimeMs(Date.now());
  ctx.responseMemory.throttle(ms);
  return ms;
}
