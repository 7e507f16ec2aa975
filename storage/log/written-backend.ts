import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { LEVEL_DATABASE } from '../backend/level-backend.js';
import { ConfigError } from '../config/config-error.js';

/** How a log dir's data is laid out: a LevelDB database per directory, or segment files (the file and mmap backends share them). */
export type WrittenLayout = 'level' | 'files';

const PARTITION_DIR = /^(.+)-(\d+)$/;

/** The layout the logs under `root` were written in, judged by their partition directories; undefined when there are none yet. */
export function writtenLayout(root: string): WrittenLayout | undefined {
  if (!existsSync(root)) return undefined;
  for (const entry of readdirSync(root)) {
    const path = join(root, entry);
    if (!PARTITION_DIR.test(entry) || !statSync(path).isDirectory()) continue;
    const names = readdirSync(path);
    if (names.includes(LEVEL_DATABASE)) return 'level';
    if (names.some((n) => n.endsWith('.log'))) return 'files';
  }
  return undefined;
}

/**
 * Refuses to open a log dir another backend wrote: opened as it is, its
 * topics would show with no data (and the new backend's writes would sit
 * beside the old ones). A ConfigError naming storage.backend.
 */
export function checkWrittenBackend(root: string, backend: string): void {
  const layout = writtenLayout(root);
  const expected: WrittenLayout = backend === 'level' ? 'level' : 'files';
  if (layout === undefined || layout === expected) return;
  const writtenBy =
    layout === 'level' ? 'storage.backend=level (a LevelDB database in each partition directory)' : 'storage.backend=file or mmap (segment files)';
  throw new ConfigError(
    'storage.backend',
    `the log dir ${root} holds logs written by ${writtenBy}, not ${backend}: start with that backend, or give log.dirs an empty directory`,
  );
}
