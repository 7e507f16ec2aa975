import { ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';
import type { TopicPartition } from '../../zk/zk-data.js';
import type { ControllerAdminApi } from '../controller/controller-admin.js';
import { SingleBrokerController } from '../controller/single-broker-controller.js';
import type { RequestContext } from './api-handler.js';

// What the handlers of the admin APIs only the controller answers (ElectLeaders and the
// partition reassignments) share.

/** Who answers: the cluster's controller running in this broker (NOT_CONTROLLER unless active), or this broker alone. */
export function controllerOf(ctx: RequestContext): ControllerAdminApi {
  return ctx.broker.cluster?.controller ?? new SingleBrokerController(ctx.broker.brokerId, ctx.broker.topics);
}

/** Per-partition items grouped by topic, topics in the order they first appear. */
export function byTopic<T extends { tp: TopicPartition }>(items: readonly T[]): Array<[string, T[]]> {
  const topics = new Map<string, T[]>();
  for (const item of items) {
    const list = topics.get(item.tp.topic);
    if (list) list.push(item);
    else topics.set(item.tp.topic, [item]);
  }
  return [...topics];
}

/** The code and message a request that failed as a whole is answered with (NOT_CONTROLLER mostly); an unexpected failure is logged. */
export function requestError(ctx: RequestContext, api: string, error: unknown): { errorCode: number; errorMessage: string } {
  const errorCode = errorCodeOf(error);
  if (errorCode === ErrorCode.UNKNOWN_SERVER_ERROR) ctx.broker.log('error', `${api} failed: ${(error as Error).stack ?? error}`);
  return { errorCode, errorMessage: (error as Error).message };
}
