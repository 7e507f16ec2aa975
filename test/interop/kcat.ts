import { execFile } from 'node:child_process';

export const KCAT = '/usr/bin/kcat';

/** Runs kcat with `input` on stdin; resolves with stdout, rejects on failure or after 30 s. */
export function kcat(args: string[], input = ''): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = execFile(KCAT, args, { timeout: 30_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`kcat ${args.join(' ')} failed: ${error.message}\n${stderr}`));
      else resolve(stdout);
    });
    child.stdin!.end(input);
  });
}
