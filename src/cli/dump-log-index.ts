// kafka-dump-log.sh's `.index` and `.timeindex` dumps: each entry checked
// against the segment it indexes (an offset entry must point at the batch
// that ends at its offset; a time entry at a batch whose largest timestamp it
// holds, in increasing order), the problems reported on stderr once every
// file is dumped, and --index-sanity-check's check of the file alone.
import { resolve } from 'node:path';
import { decodeRecords } from '../../storage/record/record.js';
import { scanBatches } from '../../storage/record/record-batch-scan.js';

const OFFSET_ENTRY = 8; // relative offset int32, position int32
const TIME_ENTRY = 12; // timestamp int64, relative offset int32

/** An index that fails Kafka's sanity check (Kafka's CorruptIndexException). */
export class CorruptIndexError extends Error {}

export interface IndexDumpOptions {
  readonly sanityOnly: boolean;
  readonly verifyOnly: boolean;
  readonly maxMessageSize: number;
}

/** What the index dumps found wrong, printed after every file as Kafka prints it. */
export class IndexProblems {
  private readonly offsetMismatches = new Map<string, Array<[number, number]>>();
  private readonly timestampMismatches = new Map<string, Array<[number, number]>>();
  private readonly outOfOrder = new Map<string, Array<[number, number]>>();
  private readonly notFound = new Map<string, Array<[number, number]>>();

  private static add(map: Map<string, Array<[number, number]>>, file: string, pair: [number, number]): void {
    let list = map.get(file);
    if (!list) map.set(file, (list = []));
    list.push(pair);
  }

  offsetMismatch(file: string, indexOffset: number, logOffset: number): void {
    IndexProblems.add(this.offsetMismatches, file, [indexOffset, logOffset]);
  }

  timestampMismatch(file: string, indexTimestamp: number, logTimestamp: number): void {
    IndexProblems.add(this.timestampMismatches, file, [indexTimestamp, logTimestamp]);
  }

  outOfOrderTimestamp(file: string, indexTimestamp: number, previous: number): void {
    IndexProblems.add(this.outOfOrder, file, [indexTimestamp, previous]);
  }

  offsetNotFound(file: string, indexOffset: number, logOffset: number): void {
    IndexProblems.add(this.notFound, file, [indexOffset, logOffset]);
  }

  get count(): number {
    return this.offsetMismatches.size + this.timestampMismatches.size + this.outOfOrder.size + this.notFound.size;
  }

  print(err: (line: string) => void): void {
    for (const [file, pairs] of this.offsetMismatches) {
      err(`Mismatches in :${file}`);
      // Kafka keeps them in a TreeMap in reverse offset order.
      for (const [index, log] of [...pairs].sort((a, b) => b[0] - a[0])) err(`  Index offset: ${index}, log offset: ${log}`);
    }
    for (const [file, pairs] of this.timestampMismatches) {
      err(`Found timestamp mismatch in :${file}`);
      for (const [index, log] of pairs) err(`  Index timestamp: ${index}, log timestamp: ${log}`);
    }
    for (const [file, pairs] of this.outOfOrder) {
      err(`Found out of order timestamp in :${file}`);
      for (const [index, previous] of pairs) err(`  Index timestamp: ${index}, Previously indexed timestamp: ${previous}`);
    }
    for (const pairs of this.notFound.values()) {
      err('The following indexed offsets are not found in the log.');
      for (const [index, log] of pairs) err(`Indexed offset: ${index}, found log offset: ${log}`);
    }
  }
}

/** The offset index's entries (a preallocated tail of zeros included, as Kafka reads a read-only index). */
function offsetEntries(bytes: Buffer, baseOffset: number): Array<{ offset: number; position: number }> {
  return Array.from({ length: Math.floor(bytes.length / OFFSET_ENTRY) }, (_, i) => ({
    offset: baseOffset + bytes.readInt32BE(i * OFFSET_ENTRY),
    position: bytes.readInt32BE(i * OFFSET_ENTRY + 4),
  }));
}

function timeEntries(bytes: Buffer, baseOffset: number): Array<{ timestamp: number; offset: number }> {
  return Array.from({ length: Math.floor(bytes.length / TIME_ENTRY) }, (_, i) => ({
    timestamp: Number(bytes.readBigInt64BE(i * TIME_ENTRY)),
    offset: baseOffset + bytes.readInt32BE(i * TIME_ENTRY + 8),
  }));
}

/** Kafka's OffsetIndex.sanityCheck. */
function checkOffsetIndex(path: string, bytes: Buffer, baseOffset: number): void {
  const entries = offsetEntries(bytes, baseOffset);
  const last = entries.length === 0 ? baseOffset : entries[entries.length - 1]!.offset;
  if (entries.length !== 0 && last < baseOffset) {
    throw new CorruptIndexError(
      `Corrupt index found, index file (${path}) has non-zero size but the last offset is ${last} which is less than the base offset ${baseOffset}.`,
    );
  }
  if (bytes.length % OFFSET_ENTRY !== 0) {
    throw new CorruptIndexError(`Index file ${path} is corrupt, found ${bytes.length} bytes which is neither positive nor a multiple of ${OFFSET_ENTRY}.`);
  }
}

/** Kafka's TimeIndex.sanityCheck. */
function checkTimeIndex(path: string, bytes: Buffer, baseOffset: number): void {
  const entries = timeEntries(bytes, baseOffset);
  const last = entries[entries.length - 1];
  if (last && last.timestamp < entries[0]!.timestamp) {
    throw new CorruptIndexError(
      `Corrupt time index found, time index file (${path}) has non-zero size but the last timestamp is ${last.timestamp} which is less than the first timestamp ${entries[0]!.timestamp}`,
    );
  }
  if (last && last.offset < baseOffset) {
    throw new CorruptIndexError(
      `Corrupt time index found, time index file (${path}) has non-zero size but the last offset is ${last.offset} which is less than the base offset ${baseOffset}`,
    );
  }
  if (bytes.length % TIME_ENTRY !== 0) {
    throw new CorruptIndexError(`Time index file ${path} is corrupt, found ${bytes.length} bytes which is neither positive nor a multiple of ${TIME_ENTRY}.`);
  }
}

/** The last offset of the first whole batch at `position`, or -1 when none starts there. */
function firstBatchLastOffset(log: Buffer, position: number, maxBytes: number): number {
  if (position < 0 || position >= log.length) return -1;
  const scan = scanBatches(log, position, Math.min(log.length, position + maxBytes));
  return scan.batches[0]?.lastOffset ?? -1;
}

/** A `.index` file: `offset: N position: P` per entry, mismatches with its segment noted in `problems`. */
export function dumpOffsetIndex(
  path: string,
  bytes: Buffer,
  baseOffset: number,
  log: Buffer,
  options: IndexDumpOptions,
  problems: IndexProblems,
  print: (line: string) => void,
): void {
  const entries = offsetEntries(bytes, baseOffset);
  if (entries.length === 0) {
    print(`${path} is empty.`);
    return;
  }
  if (options.sanityOnly) {
    checkOffsetIndex(path, bytes, baseOffset);
    print(`${path} passed sanity check.`);
    return;
  }
  for (const [i, entry] of entries.entries()) {
    // Preallocated, never written: Kafka stops at the first zero entry.
    if (entry.offset === baseOffset && i > 0) return;
    const found = firstBatchLastOffset(log, entry.position, options.maxMessageSize);
    if (found !== entry.offset) problems.offsetMismatch(resolve(path), entry.offset, found);
    if (!options.verifyOnly) print(`offset: ${entry.offset} position: ${entry.position}`);
  }
}

/** A `.timeindex` file: `timestamp: T offset: N` per entry, each checked against the batch it names. */
export function dumpTimeIndex(
  path: string,
  bytes: Buffer,
  baseOffset: number,
  log: Buffer,
  offsetIndex: Buffer,
  options: IndexDumpOptions,
  problems: IndexProblems,
  print: (line: string) => void,
): void {
  if (options.sanityOnly) {
    checkTimeIndex(path, bytes, baseOffset);
    print(`${path} passed sanity check.`);
    return;
  }
  const all = offsetEntries(offsetIndex, baseOffset);
  const end = all.findIndex((p, i) => i > 0 && p.offset === baseOffset);
  const positions = end < 0 ? all : all.slice(0, end);
  let previous = -1;
  for (const [i, entry] of timeEntries(bytes, baseOffset).entries()) {
    if (entry.offset === baseOffset && i > 0) return;
    // The offset index's position for the entry (its largest entry at or below the offset), then the batches from there.
    let position = 0;
    for (const p of positions) if (p.offset <= entry.offset) position = p.position;
    const batch = scanBatches(log, Math.min(position, log.length)).batches.find((b) => b.lastOffset >= entry.offset);
    if (!batch) problems.offsetNotFound(resolve(path), entry.offset, -1);
    else if (batch.lastOffset !== entry.offset) problems.offsetNotFound(resolve(path), entry.offset, batch.lastOffset);
    else {
      let maxTimestamp = -1;
      for (const r of decodeRecords(batch, { verifyCrc: false })) maxTimestamp = Math.max(maxTimestamp, r.timestamp);
      if (maxTimestamp !== entry.timestamp) problems.timestampMismatch(resolve(path), entry.timestamp, maxTimestamp);
      if (previous >= entry.timestamp) problems.outOfOrderTimestamp(resolve(path), entry.timestamp, previous);
    }
    if (!options.verifyOnly) print(`timestamp: ${entry.timestamp} offset: ${entry.offset}`);
    previous = entry.timestamp;
  }
}
