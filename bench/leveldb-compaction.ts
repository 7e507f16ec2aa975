// What LevelDB's compactions wrote in a database, read from the LOG file
// LevelDB keeps in its directory ("Compacted 1@0 + 2@1 files => 4194304 bytes"),
// LOG.old included (LevelDB renames the previous one at each open). Bytes that
// reach level 0 from the write-ahead log are not counted: both sides pay those
// alike. A store whose keys arrive in order has its tables moved down the
// levels untouched ("Moved #5 to level-2"); one whose tables overlap has them
// rewritten, and those rewrites share the disk with its appends.
import * as fs from 'node:fs';
import { join } from 'node:path';

const COMPACTED = /Compacted \d+@\d+ \+ \d+@\d+ files => (\d+) bytes/g;

export function compactionBytes(databaseDir: string): number {
  let bytes = 0;
  for (const name of ['LOG.old', 'LOG']) {
    let text: string;
    try {
      text = fs.readFileSync(join(databaseDir, name), 'utf8');
    } catch {
      continue;
    }
    for (const match of text.matchAll(COMPACTED)) bytes += Number(match[1]);
  }
  return bytes;
}
