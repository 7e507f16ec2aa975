import type { MessageData } from '../../protocol/schema/message-types.js';
import type { Api } from './apis.js';

/** FindCoordinator's key types. */
export const CoordinatorKeyType = { GROUP: 0, TRANSACTION: 1 } as const;

/** A FindCoordinator body for one key, in the form the negotiated version takes (batched from v4, KIP-699). */
export function findCoordinatorBody(keyType: number, key: string): (version: number) => { keyType: number; coordinatorKeys?: string[]; key?: string } {
  return (version) => (version >= 4 ? { keyType, coordinatorKeys: [key] } : { key, keyType });
}

export interface FoundCoordinator {
  readonly errorCode: number;
  readonly errorMessage: string | null;
  readonly nodeId: number;
  readonly host: string;
  readonly port: number;
}

/** The one coordinator a FindCoordinator response for one key carries, whatever its version. */
export function coordinatorOf(response: MessageData<typeof Api.FindCoordinator.response>): FoundCoordinator {
  const c = response.coordinators?.length ? response.coordinators[0]! : response;
  return { errorCode: c.errorCode, errorMessage: c.errorMessage ?? null, nodeId: c.nodeId, host: c.host, port: c.port };
}
