import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** An addon built from this folder by the install script, or why it is not there. */
export type Addon<T> = { readonly loaded: T } | { readonly missing: string };

// This folder when running from the sources; from dist/storage/native, the sources' copy of it
// three folders up, where npm's install script built the addons.
const FOLDERS = ['./', '../../../storage/native/'].map((folder) => fileURLToPath(new URL(folder, import.meta.url)));

/**
 * Loads `build/Release/<name>.node`. Missing, it says why as far as can be known: the build
 * failed (install.mjs left its log) or never ran (`--ignore-scripts`, or a checkout not yet built).
 */
export function loadAddon<T>(name: string): Addon<T> {
  for (const folder of FOLDERS) {
    const path = join(folder, 'build', 'Release', `${name}.node`);
    if (existsSync(path)) return { loaded: createRequire(import.meta.url)(path) as T };
  }
  const log = FOLDERS.map((folder) => join(folder, 'build-failure.log')).find((path) => existsSync(path));
  const why = log
    ? `its build failed when samsa was installed (the build's output is in ${log})`
    : 'it was not built (samsa was installed with --ignore-scripts, or the checkout was not built)';
  return {
    missing:
      `samsa's native addon ${name} is missing: ${why}. It needs a C compiler, make and Python 3 ` +
      '(Debian/Ubuntu: apt-get install build-essential python3); with them, `npm rebuild samsa` builds it ' +
      '(in a clone of samsa: `npm run build:native`).',
  };
}
