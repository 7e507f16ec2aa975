/** Kafka's file names: the segment's base offset, zero-padded to 20 digits, plus a suffix. */
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
/** Aborted transactions (Kafka's TransactionIndex): written only once a segment has one. */
export const TXN_INDEX_SUFFIX = '.txnindex';
export const DELETED_SUFFIX = '.deleted';
/** A segment the cleaner is writing; deleted on open (the cleaning did not finish). */
export const CLEANED_SUFFIX = '.cleaned';
/** A cleaned segment ready to replace the ones it was cleaned from; the replacement is completed on open. */
export const SWAP_SUFFIX = '.swap';

export function baseName(baseOffset: number): string {
  return String(baseOffset).padStart(20, '0');
}

export function logFileName(baseOffset: number): string {
  return baseName(baseOffset) + LOG_SUFFIX;
}

export function indexFileName(baseOffset: number): string {
  return baseName(baseOffset) + INDEX_SUFFIX;
}

export function timeIndexFileName(baseOffset: number): string {
  return baseName(baseOffset) + TIME_INDEX_SUFFIX;
}

export function transactionIndexFileName(baseOffset: number): string {
  return baseName(baseOffset) + TXN_INDEX_SUFFIX;
}

/**
 * A segment's files (`.log`, `.index`, `.timeindex`, `.txnindex`), with an
 * optional temporary suffix. The `.txnindex` exists only in segments that
 * hold an ABORT marker: callers skip names not present.
 */
export function segmentFileNames(baseOffset: number, suffix = ''): [string, string, string, string] {
  const base = baseName(baseOffset);
  return [base + LOG_SUFFIX + suffix, base + INDEX_SUFFIX + suffix, base + TIME_INDEX_SUFFIX + suffix, base + TXN_INDEX_SUFFIX + suffix];
}

export interface SegmentFileName {
  baseOffset: number;
  /** '.log', '.index', '.timeindex' or '.txnindex'. */
  kind: string;
  /** '' for a live file, else '.cleaned', '.swap' or '.deleted'. */
  suffix: string;
}

/** Parses any segment file name, temporary suffixes included; undefined for other files. */
export function parseSegmentFileName(name: string): SegmentFileName | undefined {
  const m = /^(\d{20})(\.log|\.index|\.timeindex|\.txnindex)(\.cleaned|\.swap|\.deleted)?$/.exec(name);
  return m ? { baseOffset: Number(m[1]), kind: m[2]!, suffix: m[3] ?? '' } : undefined;
}

/** The base offset a segment's `.log` file is named for, or undefined for other files. */
export function parseLogFileName(name: string): number | undefined {
  const m = /^(\d{20})\.log$/.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** Producer state snapshots: `<offset>.snapshot`, the producers' state as of that offset. */
export const SNAPSHOT_SUFFIX = '.snapshot';

export function snapshotFileName(offset: number): string {
  return baseName(offset) + SNAPSHOT_SUFFIX;
}

/** The offset a `.snapshot` file is named for, or undefined for other files. */
export function parseSnapshotFileName(name: string): number | undefined {
  const m = /^(\d{20})\.snapshot$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
