import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { packageRoot } from '../package-root.js';

/** The compiled CLI (test/global-setup.ts builds dist/ before the tests run; bench/fuzz.ts runs this file from dist/ itself). */
export const MAIN = join(packageRoot(import.meta.url), 'dist', 'src', 'cli', 'main.js');

/** How much of a broker's stderr `output()` keeps: the last MiB. */
const OUTPUT_KEPT = 1024 * 1024;

/** `--override key=value` arguments for `samsa broker`. */
export function overrideArgs(settings: Readonly<Record<string, string>>): string[] {
  return Object.entries(settings).flatMap(([key, value]) => ['--override', `${key}=${value}`]);
}

/** The child's exit code once it has exited and its output is all read ('close'); null when a signal ended it. */
function closed(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => child.once('close', (code) => resolve(code)));
}

/** Sends SIGKILL to a child still running, by its PID (for `finally` blocks). */
function killIfRunning(child: ChildProcess): void {
  if (child.exitCode === null && child.signalCode === null && child.pid !== undefined) process.kill(child.pid, 'SIGKILL');
}

export interface BrokerProcess {
  readonly child: ChildProcess;
  readonly port: number;
  /** Everything the broker has written to stderr so far. */
  output(): string;
  /** Sends `signal` (SIGTERM by default) and resolves with the exit code. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  /** SIGKILL if it still runs: for `finally`. */
  kill(): void;
}

/**
 * `samsa broker` in a child process on a free loopback port with its logs in
 * `logDir`; resolves once it listens, rejects (and kills it) if it exits or
 * has not listened within `startMs`.
 */
export function startBrokerProcess(logDir: string, settings: Readonly<Record<string, string>> = {}, startMs = 20_000): Promise<BrokerProcess> {
  const args = overrideArgs({ listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': logDir, 'broker.id': '0', ...settings });
  const child = spawn(process.execPath, [MAIN, 'broker', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  const exited = closed(child);
  let output = '';
  return new Promise((resolve, reject) => {
    const fail = (why: string) => {
      clearTimeout(timer);
      killIfRunning(child);
      reject(new Error(`broker ${why}:\n${output}`));
    };
    const timer = setTimeout(() => fail(`did not listen within ${startMs} ms`), startMs);
    child.once('exit', (code) => fail(`exited with ${code}`));
    let listening: RegExpExecArray | null = null;
    child.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
      // A broker logging for long (a fuzz run) keeps its last MiB; searching all of it per chunk cost the test process more than the broker.
      if (output.length > OUTPUT_KEPT * 2) output = output.slice(-OUTPUT_KEPT);
      if (listening) return;
      listening = /listening on [^:]+:(\d+)/.exec(output);
      if (!listening) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      resolve({
        child,
        port: Number(listening[1]),
        output: () => output,
        stop: (signal = 'SIGTERM') => {
          if (child.exitCode === null && child.signalCode === null) process.kill(child.pid!, signal);
          return exited;
        },
        kill: () => killIfRunning(child),
      });
    });
  });
}

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
