// Runs `samsa <command> …` from the compiled CLI as a child process, the way a
// user runs it from a shell: arguments, stdin, stdout, stderr and the exit code.
// Asynchronous, because the broker it talks to runs in the test's process.
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const root = fileURLToPath(new URL('../..', import.meta.url));

export interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** The first lines of every usage table Kafka's tools print. */
export const USAGE_HEADER = 'Option                                  Description';

/** Runs the CLI to its end; `input` (if any) is written to its stdin, which is then closed. */
export function samsa(args: readonly string[], input?: string | Buffer): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['dist/src/cli/main.js', ...args], { cwd: root, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (status) => resolve({ status, stdout, stderr }));
    child.stdin.on('error', () => {});
    child.stdin.end(input ?? '');
  });
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
