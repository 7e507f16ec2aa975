import { spawn } from 'node:child_process';
import { closed, killIfRunning, MAIN } from '../../bench/broker-process.js';

// How a broker process is started lives in bench/ (benchmarks and the chaos run start brokers too).
export { type BrokerProcess, MAIN, overrideArgs, startBrokerProcess } from '../../bench/broker-process.js';

/** How `samsa broker` ended: its exit code (null when it had to be killed at the deadline) and its stderr. */
export interface BrokerRun {
  code: number | null;
  stderr: string;
  timedOut: boolean;
}

/**
 * Runs `samsa broker <args>` expecting it to exit on its own (a refused
 * configuration); one still running after `waitMs` is killed by PID and
 * reported as timed out.
 */
export async function runBrokerCommand(args: readonly string[], waitMs = 20_000): Promise<BrokerRun> {
  const child = spawn(process.execPath, [MAIN, 'broker', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = closed(child);
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    killIfRunning(child);
  }, waitMs);
  try {
    const code = await exited;
    return { code: timedOut ? null : code, stderr, timedOut };
  } finally {
    clearTimeout(timer);
    killIfRunning(child);
  }
}
