import { ErrorCode } from '../../protocol/error-codes.js';
import type { RequestContext } from './api-handler.js';

/**
 * A controller request meant for an earlier incarnation of this broker (its
 * broker epoch, the registration znode's czxid, is older than ours) is
 * refused with STALE_BROKER_EPOCH, as Kafka does; -1 means "any".
 */
export function staleBrokerEpoch(ctx: RequestContext, brokerEpoch: number | bigint): number | null {
  const epoch = BigInt(brokerEpoch);
  if (epoch < 0n) return null;
  return epoch < ctx.broker.cluster!.registration.epoch ? ErrorCode.STALE_BROKER_EPOCH : null;
}
