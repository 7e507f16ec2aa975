import { formatCheckpoint, parseCheckpoint, parseDecimal } from './checkpoint-format.js';

/** Per partition directory: the first offset written in each leader epoch. */
export const LEADER_EPOCH_CHECKPOINT = 'leader-epoch-checkpoint';

const VERSION = 0;

export interface EpochEntry {
  epoch: number;
  startOffset: number;
}

export function formatLeaderEpochCheckpoint(entries: readonly EpochEntry[]): string {
  return formatCheckpoint(
    VERSION,
    entries.map((e) => `${e.epoch} ${e.startOffset}`),
  );
}

export function parseLeaderEpochCheckpoint(text: string, path: string): EpochEntry[] {
  return parseCheckpoint(text, path, VERSION, (fields) => {
    if (fields.length !== 2) return `expected 'epoch startOffset', got '${fields.join(' ')}'`;
    const epoch = parseDecimal(fields[0]);
    const startOffset = parseDecimal(fields[1]);
    if (epoch === undefined || epoch < 0) return `bad epoch '${fields[0]}'`;
    if (startOffset === undefined || startOffset < 0) return `bad start offset '${fields[1]}'`;
    return { epoch, startOffset };
  });
}
