import { closeSync, fsyncSync, openSync, renameSync, writeFileSync } from 'node:fs';

/** Replaces `path` with `text` so a crash leaves the old file or the new one whole: a temp file, fsync, rename. */
export function writeFileDurably(path: string, text: string, mode?: number): void {
  const tmp = `${path}.tmp`;
  writeFileSync(tmp, text, mode === undefined ? undefined : { mode });
  const fd = openSync(tmp, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  renameSync(tmp, path);
}
