// samsa's npm `install` script: builds the addons in this folder (CRC-32C, mmap) with node-gyp,
// which npm bundles and names in npm_config_node_gyp for lifecycle scripts. A machine without a
// C toolchain still installs samsa: the build's output goes to build-failure.log, CRC-32C runs in
// JavaScript, and only storage.backend=mmap refuses to start, pointing at that log
// (storage/native/addon.ts). Plain JavaScript because it runs before `prepare` compiles anything.
import { spawnSync } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const failureLog = join(here, 'build-failure.log');
rmSync(failureLog, { force: true });

const gyp = process.env.npm_config_node_gyp;
const result = gyp
  ? spawnSync(process.execPath, [gyp, 'rebuild'], { cwd: here, encoding: 'utf8' })
  : spawnSync('node-gyp', ['rebuild'], { cwd: here, encoding: 'utf8', shell: process.platform === 'win32' });
if (result.status !== 0) {
  writeFileSync(failureLog, [result.error ? String(result.error) : '', result.stdout ?? '', result.stderr ?? ''].join('\n'));
  console.warn(
    `samsa: the native addons in ${here} could not be built (the build's output is in ${failureLog}). ` +
      'samsa works without them except storage.backend=mmap; CRC-32C runs in JavaScript. To build them, install a C ' +
      'compiler, make and Python 3 (Debian/Ubuntu: apt-get install build-essential python3) and run `npm rebuild samsa`.',
  );
}
