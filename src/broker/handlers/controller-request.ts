import { ErrorCode } from '../../protocol/error-codes.js';
import type { RequestContext } from './api-handler.js';

/**
 * A controller request meant for an earlier incarnation of this broker (its
 * broker epoch, the registration znode's czxid, is older than ours) is
 * refused with STALE_BROKER_EPOCH, as Kafka does; -1 means "any". A request
 * that arrives while this process is still registering waits for the
 * registration to decide: the broker listens first, and a restarted broker
 * waits out its previous session, during which the controller still sends it
 * what it meant for the process that died (a partial UpdateMetadata taken as
 * the whole cluster, a LeaderAndIsr from before its failover).
 */
export async function staleBrokerEpoch(ctx: RequestContext, brokerEpoch: number | bigint): Promise<number | null> {
  const epoch = BigInt(brokerEpoch);
  if (epoch < 0n) return null;
  const registration = ctx.broker.cluster!.registration;
  await registration.whenRegistered();
  return epoch < registration.epoch ? ErrorCode.STALE_BROKER_EPOCH : null;
}
