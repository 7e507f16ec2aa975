import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';

/**
 * `mkdir -p` that tries each missing directory once, top down, and throws the
 * first failure. Node's `mkdirSync(path, { recursive: true })` spins at 100%
 * CPU forever where a directory exists but refuses children with ENOENT
 * (anything under /proc, a dangling mount point): it takes ENOENT to mean a
 * missing parent, creates the parent (EEXIST), and tries again.
 */
export function makeDirectory(path: string): void {
  const missing: string[] = [];
  for (let at = resolve(path); !existsSync(at); at = dirname(at)) {
    missing.push(at);
    if (dirname(at) === at) break; // the root itself is missing: let mkdir say why
  }
  for (const dir of missing.reverse()) {
    try {
      mkdirSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error; // created meanwhile by someone else: fine
    }
  }
}
