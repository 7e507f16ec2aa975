// Waiting with deadlines, shared by every client. A deadline is a Date.now()
// value; timers run on the event loop's cached clock, so a timer may fire a
// little before Date.now() reaches the deadline (callers re-check the clock).
import { TimeoutError } from './errors.js';

export function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** Sleeps `ms` (a retry backoff), but not past `deadline`. */
export function sleepWithin(ms: number, deadline: number): Promise<void> {
  return sleep(Math.min(ms, Math.max(0, deadline - Date.now())));
}

/** `promise`, or a TimeoutError(`message`) once `ms` pass first. */
export function withTimeout<T>(promise: Promise<T>, ms: number, message: string): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const timer = setTimeout(() => reject(new TimeoutError(message)), Math.max(0, ms));
    promise.then(
      (v) => {
        clearTimeout(timer);
        resolve(v);
      },
      (e) => {
        clearTimeout(timer);
        reject(e);
      },
    );
  });
}

export const TIMED_OUT = Symbol('timed out');

export type Settled<T> = { value: T; error?: undefined } | { value?: undefined; error: Error };

/** Waits for a promise until a deadline; the promise keeps running if the deadline comes first. */
export async function raceDeadline<T>(promise: Promise<T>, deadline: number): Promise<Settled<T> | typeof TIMED_OUT> {
  let settled: Settled<T> | undefined;
  const wrapped = promise.then(
    (value) => (settled = { value }),
    (error: Error) => (settled = { error }),
  );
  const ms = deadline - Date.now();
  if (ms <= 0) {
    // Give a promise that is already settled (or settles within this turn) its chance.
    await new Promise((r) => setImmediate(r));
    return settled ?? TIMED_OUT;
  }
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<typeof TIMED_OUT>((r) => (timer = setTimeout(() => r(TIMED_OUT), ms)));
  try {
    return await Promise.race([wrapped, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** `promise`'s value, or a TimeoutError naming `what` once the deadline passes first. */
export async function withDeadline<T>(promise: Promise<T>, deadline: number, what: string): Promise<T> {
  const r = await raceDeadline(promise, deadline);
  if (r === TIMED_OUT) throw new TimeoutError(`Timed out waiting for ${what}`);
  if (r.error) throw r.error;
  return r.value as T;
}
