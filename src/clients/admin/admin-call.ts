// How an admin call runs: its items (topics, partitions, groups) are tried
// together, those a retriable error refused are tried again after a backoff
// until the call's deadline, and the call resolves to each item's outcome.
import { isRetriable, ThrottlingQuotaExceededError, TimeoutError } from '../network/errors.js';
import { sleep, withTimeout } from '../network/timing.js';
import type { ItemResults, Settled } from './types.js';

/** An item's outcome inside a call: its result, or the error it failed with. */
export type Outcome<R> = R | Error;

/** Errors a call must not retry even though the Java client marks them retriable (a topic that does not exist). */
const FINAL = new WeakSet<Error>();

export function final(error: Error): Error {
  FINAL.add(error);
  return error;
}

export interface RetryPolicy {
  /** How long the call may take, retries included. */
  readonly timeoutMs: number;
  /** How many times an item may be retried. */
  readonly retries: number;
  readonly backoffMs: number;
  readonly backoffMaxMs: number;
  /** Called with the error that refused an item before it is retried (to refresh stale metadata). */
  beforeRetry(error: Error): void;
}

/**
 * Runs `attempt` for the items still pending; items that failed with a
 * retriable error are tried again, with exponential backoff, until the
 * deadline, when their last error becomes a TimeoutError. Resolves to every
 * item's outcome, in item order; never rejects for an item's failure.
 */
export async function settleItems<I, R>(
  name: string,
  items: readonly I[],
  policy: RetryPolicy,
  attempt: (pending: I[], deadline: number) => Promise<Array<Outcome<R>>>,
): Promise<Array<Outcome<R>>> {
  const deadline = Date.now() + policy.timeoutMs;
  const results: Array<Outcome<R>> = new Array(items.length);
  let pending = items.map((_, i) => i);
  for (let tries = 0; pending.length > 0; tries++) {
    let outcomes: Array<Outcome<R>>;
    try {
      outcomes = await withTimeout(
        attempt(
          pending.map((i) => items[i]!),
          deadline,
        ),
        deadline - Date.now(),
        'the call ran past its deadline',
      );
    } catch (e) {
      outcomes = pending.map(() => e as Error);
    }
    const retry: number[] = [];
    pending.forEach((index, k) => {
      const outcome = outcomes[k]!;
      results[index] = outcome;
      if (outcome instanceof Error && isRetriable(outcome) && !FINAL.has(outcome) && tries < policy.retries) retry.push(index);
    });
    if (retry.length === 0) break;
    policy.beforeRetry(results[retry[0]!] as Error);
    // A broker that throttled an item asked for that long before it is tried again (Java's client waits it out).
    const throttleMs = Math.max(0, ...retry.map((index) => throttleOf(results[index])));
    const backoff = Math.max(throttleMs, Math.min(policy.backoffMs * 2 ** Math.min(tries, 10), Math.max(policy.backoffMs, policy.backoffMaxMs)));
    if (Date.now() + backoff >= deadline) {
      // A throttled item fails with its throttle, as Java's does at its deadline; the others with a timeout.
      for (const index of retry)
        if (!(results[index] instanceof ThrottlingQuotaExceededError))
          results[index] = new TimeoutError(`${name} timed out after ${policy.timeoutMs} ms (last error: ${(results[index] as Error).message})`);
      break;
    }
    await sleep(backoff);
    pending = retry;
  }
  return results;
}

/** How long a broker asked before an item is tried again (a quota's throttle), 0 if it did not. */
function throttleOf(outcome: unknown): number {
  return outcome instanceof ThrottlingQuotaExceededError ? outcome.throttleTimeMs : 0;
}

/** Every item's result, or the first failed item's error. */
export function allOf<R>(outcomes: ReadonlyArray<Outcome<R>>): R[] {
  const failed = outcomes.find((o) => o instanceof Error);
  if (failed) throw failed;
  return outcomes as R[];
}

/**
 * The ItemResults of a call: `all` (by default: every result, or the first
 * item's error) with settled() beside it.
 */
export function itemResults<R>(outcomes: Promise<Array<Outcome<R>>>, all: Promise<R[]> = outcomes.then(allOf)): ItemResults<R> {
  // A caller that reads only settled() never awaits `all`: its rejection is not an unhandled one.
  all.catch(() => undefined);
  const settled = () => outcomes.then((list) => list.map((o): Settled<R> => (o instanceof Error ? { ok: false, error: o } : { ok: true, value: o })));
  return Object.assign(all, { settled });
}
