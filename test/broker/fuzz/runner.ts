import { connect, type Socket } from 'node:net';
import { setImmediate as nextTurn } from 'node:timers/promises';
import type { SeedFrame } from './corpus.js';
import { type FuzzCase, fuzzCase } from './mutator.js';

/** How the broker took one case: it answered, closed the connection without an answer, or did neither within the wait. */
export type Outcome = 'answered' | 'closed' | 'silent';

export interface FuzzStats {
  cases: number;
  answered: number;
  closed: number;
  silent: number;
}

export const emptyStats = (): FuzzStats => ({ cases: 0, answered: 0, closed: 0, silent: 0 });

export function addStats(into: FuzzStats, more: FuzzStats): void {
  into.cases += more.cases;
  into.answered += more.answered;
  into.closed += more.closed;
  into.silent += more.silent;
}

/** The broker refused a connection: it is gone (crashed), not fuzzed. */
export class BrokerGoneError extends Error {
  constructor(
    readonly caseIndex: number,
    cause: unknown,
  ) {
    super(`the broker refused a connection at case ${caseIndex}: ${(cause as Error).message}`, { cause });
    this.name = 'BrokerGoneError';
  }
}

function open(port: number, index: number): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => resolve(socket));
    socket.once('error', (error) => reject(new BrokerGoneError(index, error)));
  });
}

/**
 * Sends one case on a connection of its own. Waits for as many responses as
 * the case has whole frames, for the broker to close, or `waitMs`; a case
 * with nothing whole to answer half-closes its side at once, so the broker
 * sees the end of a partial frame. The connection is destroyed after.
 */
export async function sendCase(port: number, c: FuzzCase, waitMs: number): Promise<Outcome> {
  const socket = await open(port, c.index);
  let responses = 0;
  let closed = false;
  let pending: Buffer = Buffer.alloc(0);
  let wake: () => void = () => {};
  socket.on('data', (chunk: Buffer) => {
    pending = pending.length === 0 ? chunk : Buffer.concat([pending, chunk]);
    while (pending.length >= 4 && pending.length >= 4 + pending.readInt32BE(0)) {
      pending = pending.subarray(4 + pending.readInt32BE(0));
      responses++;
    }
    wake();
  });
  socket.on('close', () => {
    closed = true;
    wake();
  });
  socket.on('error', () => {});
  const done = () => closed || (c.wholeFrames > 0 && responses >= c.wholeFrames);
  const deadline = Date.now() + waitMs;
  try {
    for (const bytes of c.writes) {
      if (closed) break;
      socket.write(bytes);
      if (c.writes.length > 1) await nextTurn();
    }
    if (c.wholeFrames === 0 || c.unfinished) socket.end();
    while (!done() && Date.now() < deadline) {
      let timer: NodeJS.Timeout | undefined;
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, deadline - Date.now());
      });
      clearTimeout(timer);
    }
  } finally {
    socket.destroy();
  }
  return responses > 0 ? 'answered' : closed ? 'closed' : 'silent';
}

export interface RunOptions {
  seed: number;
  /** The first case's number. */
  from: number;
  count: number;
  /** Cases in flight at once, each on its own connection. */
  concurrency: number;
  /** How long one case waits for its answers. */
  waitMs: number;
}

/** Cases `from` … `from + count - 1` of the seed's sequence, `concurrency` at a time. Throws BrokerGoneError when the broker stops accepting. */
export async function runCases(port: number, corpus: readonly SeedFrame[], options: RunOptions): Promise<FuzzStats> {
  const stats = emptyStats();
  let next = options.from;
  const end = options.from + options.count;
  const worker = async () => {
    while (next < end) {
      const outcome = await sendCase(port, fuzzCase(options.seed, next++, corpus), options.waitMs);
      stats.cases++;
      stats[outcome]++;
    }
  };
  await Promise.all(Array.from({ length: options.concurrency }, worker));
  return stats;
}
