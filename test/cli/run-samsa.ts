// Runs `samsa <command> …` from the compiled CLI as a child process, the way a
// user runs it from a shell: arguments, stdin, stdout, stderr and the exit code.
// Asynchronous, because the broker it talks to runs in the test's process.
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stopChild } from '../cleanup.js';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The first lines of every usage table Kafka's tools print. */
export const USAGE_HEADER = 'Option                                  Description';

/** The CLI processes started and not yet exited: stopped by stopRunning() after each test. */
const running = new Set<ChildProcess>();

/** A CLI process still running: its output so far, and its end. */
export interface Started {
  readonly child: ChildProcess;
  readonly output: { stdout: string; stderr: string };
  readonly done: Promise<Run>;
}

/** Starts the CLI (a shell command line when `shell` is set, `samsa` standing for the CLI in it). */
export function startSamsa(args: readonly string[], options: { shell?: string } = {}): Started {
  const cli = `${JSON.stringify(process.execPath)} dist/src/cli/main.js`;
  const child =
    options.shell !== undefined
      ? spawn('/bin/bash', ['-o', 'pipefail', '-c', options.shell.replaceAll('samsa ', `${cli} `)], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] })
      : spawn(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
  running.add(child);
  const output = { stdout: '', stderr: '' };
  child.stdout!.setEncoding('utf8').on('data', (d) => (output.stdout += d));
  child.stderr!.setEncoding('utf8').on('data', (d) => (output.stderr += d));
  child.stdin!.on('error', () => {});
  const done = new Promise<Run>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      running.delete(child);
      resolve({ status, ...output });
    });
  });
  return { child, output, done };
}

/** Runs the CLI to its end; `input` (if any) is written to its stdin, which is then closed. */
export function samsa(args: readonly string[], input?: string | Buffer): Promise<Run> {
  const started = startSamsa(args);
  started.child.stdin!.end(input ?? '');
  return started.done;
}

/** Runs a shell pipeline to its end (bash, pipefail); `samsa ` in it runs the CLI. */
export function shell(command: string): Promise<Run> {
  const started = startSamsa([], { shell: command });
  started.child.stdin!.end();
  return started.done;
}

/** Kills (by PID) every CLI process a test left running. */
export async function stopRunning(): Promise<void> {
  await Promise.all([...running].map((child) => stopChild(child)));
}

/** A --command-config file with these client settings (in a fresh temp dir). */
export function commandConfig(settings: Record<string, string | number>): string {
  const path = join(mkdtempSync(join(tmpdir(), 'samsa-cli-')), 'client.properties');
  writeFileSync(
    path,
    Object.entries(settings)
      .map(([k, v]) => `${k}=${v}\n`)
      .join(''),
  );
  return path;
}
