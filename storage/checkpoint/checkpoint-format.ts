/**
 * Kafka's checkpoint text format, shared by recovery-point-offset-checkpoint,
 * log-start-offset-checkpoint, cleaner-offset-checkpoint (entries
 * "topic partition offset") and leader-epoch-checkpoint (entries
 * "epoch startOffset"):
 *
 *   <version>
 *   <number of entries>
 *   <entry>
 *   ...
 *
 * Kafka tools read these files, so the layout is kept exactly.
 */
export class CorruptCheckpointError extends Error {
  constructor(
    readonly path: string,
    readonly line: number,
    detail: string,
  ) {
    super(`corrupt checkpoint file ${path}, line ${line}: ${detail}`);
    this.name = 'CorruptCheckpointError';
  }
}

export function formatCheckpoint(version: number, entries: readonly string[]): string {
  return `${version}\n${entries.length}\n${entries.map((e) => `${e}\n`).join('')}`;
}

/**
 * Parses a checkpoint, handing each entry's fields to `parseEntry`, which
 * returns an error message for a bad entry. Anything else wrong (version,
 * count, trailing junk) raises CorruptCheckpointError naming the line.
 */
export function parseCheckpoint<T>(text: string, path: string, expectedVersion: number, parseEntry: (fields: string[]) => T | string): T[] {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  const version = parseDecimal(lines[0]);
  if (version === undefined) throw new CorruptCheckpointError(path, 1, `expected a version number, got '${lines[0] ?? ''}'`);
  if (version !== expectedVersion) throw new CorruptCheckpointError(path, 1, `unknown version ${version} (expected ${expectedVersion})`);
  const count = parseDecimal(lines[1]);
  if (count === undefined) throw new CorruptCheckpointError(path, 2, `expected an entry count, got '${lines[1] ?? ''}'`);
  if (lines.length - 2 !== count) {
    throw new CorruptCheckpointError(path, 2, `says ${count} entries but the file has ${lines.length - 2}`);
  }
  const entries: T[] = [];
  for (let i = 2; i < lines.length; i++) {
    const parsed = parseEntry(lines[i]!.trim().split(/\s+/));
    if (typeof parsed === 'string') throw new CorruptCheckpointError(path, i + 1, parsed);
    entries.push(parsed);
  }
  return entries;
}

/** A non-negative or negative decimal integer that fits a JS number exactly, else undefined. */
export function parseDecimal(text: string | undefined): number | undefined {
  if (text === undefined || !/^-?\d+$/.test(text.trim())) return undefined;
  const n = Number(text.trim());
  return Number.isSafeInteger(n) ? n : undefined;
}
