/**
 * The states of a transactional id, with Kafka's ids (the TransactionStatus
 * byte of __transaction_state records) and names (what DescribeTransactions
 * and ListTransactions report).
 *
 *   Empty ──AddPartitions──▶ Ongoing ──EndTxn──▶ PrepareCommit ──markers──▶ CompleteCommit
 *                               │    └─EndTxn──▶ PrepareAbort  ──markers──▶ CompleteAbort
 *                               └─fence (InitProducerId, timeout)─▶ PrepareEpochFence ─▶ PrepareAbort
 *   Empty / CompleteCommit / CompleteAbort ──transactional.id.expiration.ms──▶ Dead
 *
 * PrepareEpochFence lives only in memory: the fence is written as PrepareAbort
 * with the bumped epoch.
 */
export enum TransactionState {
  Empty = 0,
  Ongoing = 1,
  PrepareCommit = 2,
  PrepareAbort = 3,
  CompleteCommit = 4,
  CompleteAbort = 5,
  Dead = 6,
  PrepareEpochFence = 7,
}

const NAMES: Record<TransactionState, string> = {
  [TransactionState.Empty]: 'Empty',
  [TransactionState.Ongoing]: 'Ongoing',
  [TransactionState.PrepareCommit]: 'PrepareCommit',
  [TransactionState.PrepareAbort]: 'PrepareAbort',
  [TransactionState.CompleteCommit]: 'CompleteCommit',
  [TransactionState.CompleteAbort]: 'CompleteAbort',
  [TransactionState.Dead]: 'Dead',
  [TransactionState.PrepareEpochFence]: 'PrepareEpochFence',
};

/** The states each state may be entered from (Kafka's validPreviousStates). */
const VALID_PREVIOUS: Record<TransactionState, readonly TransactionState[]> = {
  [TransactionState.Empty]: [TransactionState.Empty, TransactionState.CompleteCommit, TransactionState.CompleteAbort],
  [TransactionState.Ongoing]: [TransactionState.Ongoing, TransactionState.Empty, TransactionState.CompleteCommit, TransactionState.CompleteAbort],
  [TransactionState.PrepareCommit]: [TransactionState.Ongoing],
  [TransactionState.PrepareAbort]: [TransactionState.Ongoing, TransactionState.PrepareEpochFence],
  [TransactionState.CompleteCommit]: [TransactionState.PrepareCommit],
  [TransactionState.CompleteAbort]: [TransactionState.PrepareAbort],
  [TransactionState.Dead]: [TransactionState.Empty, TransactionState.CompleteAbort, TransactionState.CompleteCommit],
  [TransactionState.PrepareEpochFence]: [TransactionState.Ongoing],
};

export function stateName(state: TransactionState): string {
  return NAMES[state];
}

/** The state of a name as DescribeTransactions spells it, or undefined (ListTransactions reports unknown filters). */
export function stateFromName(name: string): TransactionState | undefined {
  for (const [id, n] of Object.entries(NAMES)) if (n === name) return Number(id) as TransactionState;
  return undefined;
}

/** The state of a TransactionStatus byte; throws on one Kafka does not define. */
export function stateFromId(id: number): TransactionState {
  if (!Number.isInteger(id) || id < 0 || id > 7) throw new RangeError(`unknown transaction state id ${id}`);
  return id as TransactionState;
}

export function isValidTransition(from: TransactionState, to: TransactionState): boolean {
  return VALID_PREVIOUS[to].includes(from);
}

/** States a transactional id may expire in (nothing of a transaction left to finish). */
export function isExpirationAllowed(state: TransactionState): boolean {
  return state === TransactionState.Empty || state === TransactionState.CompleteCommit || state === TransactionState.CompleteAbort;
}
