import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

// Some tests run compiled code in child processes (the CLI, a writer killed
// mid-append). Compile once before any test so dist/ matches the sources.
// Type errors do not stop the emit; `npm test` type-checks before vitest starts.
export default function compileOnce(): void {
  const root = fileURLToPath(new URL('..', import.meta.url));
  const result = spawnSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', '.'], { cwd: root, encoding: 'utf8' });
  if (result.error) throw result.error;
}
