/** Kafka's file names: the segment's base offset, zero-padded to 20 digits, plus a suffix. */
export const LOG_SUFFIX = '.log';
export const INDEX_SUFFIX = '.index';
export const TIME_INDEX_SUFFIX = '.timeindex';
export const DELETED_SUFFIX = '.deleted';
export const CLEANED_SUFFIX = '.cleaned';
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

/** The base offset a segment's `.log` file is named for, or undefined for other files. */
export function parseLogFileName(name: string): number | undefined {
  const m = /^(\d{20})\.log$/.exec(name);
  return m ? Number(m[1]) : undefined;
}
