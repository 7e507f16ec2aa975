import { expect } from 'vitest';

type ErrorClass<E> = abstract new (...args: any[]) => E;

/**
 * Checks an error by what callers branch on: its class, then `fields` (Kafka's
 * error code as `errorCode`, a StorageError's `code`, …), then its message.
 * Returns it, typed, for further checks.
 */
export function expectError<E extends Error>(error: unknown, type: ErrorClass<E>, fields: Record<string, unknown>, message: RegExp | string): E {
  expect(error).toBeInstanceOf(type);
  expect(error).toMatchObject(fields);
  expect((error as Error).message).toMatch(message);
  return error as E;
}

/** What `run` throws, checked as expectError does; fails if it throws nothing. */
export function expectThrown<E extends Error>(run: () => unknown, type: ErrorClass<E>, fields: Record<string, unknown>, message: RegExp | string): E {
  try {
    run();
  } catch (error) {
    return expectError(error, type, fields, message);
  }
  throw new Error(`expected a ${type.name}, but nothing was thrown`);
}

/** What `promise` rejects with, checked as expectError does; fails if it resolves. */
export async function expectRejected<E extends Error>(
  promise: Promise<unknown>,
  type: ErrorClass<E>,
  fields: Record<string, unknown>,
  message: RegExp | string,
): Promise<E> {
  const outcome = await promise.then(
    () => ({ resolved: true as const }),
    (error: unknown) => ({ resolved: false as const, error }),
  );
  if (outcome.resolved) throw new Error(`expected a ${type.name}, but the promise resolved`);
  return expectError(outcome.error, type, fields, message);
}
