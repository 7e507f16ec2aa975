import type { LogDirectory, StorageObject } from '../backend/storage-backend.js';
import { StorageError } from '../backend/storage-error.js';
import { readInt16, readInt32, readInt64, readUInt32, writeInt64 } from '../record/big-endian.js';
import { crc32c } from '../record/index.js';
import { CorruptSnapshotError } from './log-errors.js';
import { parseSnapshotFileName, snapshotFileName } from './log-file-names.js';

/** One producer as a snapshot keeps it: its epoch and its last batch. */
export interface ProducerSnapshotEntry {
  producerId: number;
  epoch: number;
  lastSequence: number;
  /** Offset of the last record of the producer's last batch. */
  lastOffset: number;
  /** lastOffset minus the batch's base offset (its lastOffsetDelta); the first sequence is lastSequence moved back by it, wrapping below 0. */
  offsetDelta: number;
  /** The last batch's max timestamp: producers idle past producer.id.expiration.ms are forgotten. */
  timestamp: number;
  coordinatorEpoch: number;
  /** First offset of the producer's open transaction, -1 when none. */
  currentTxnFirstOffset: number;
}

// Kafka's snapshot file, version 1: version int16, crc uint32 (CRC-32C of what
// follows it), then an array (int32 count) of fixed-size entries.
const VERSION = 1;
const CRC_AT = 2;
const ENTRIES_AT = 6;
const ENTRY_BYTES = 8 + 2 + 4 + 8 + 4 + 8 + 4 + 8;

export function encodeProducerSnapshot(entries: readonly ProducerSnapshotEntry[]): Buffer {
  const bytes = Buffer.alloc(ENTRIES_AT + 4 + entries.length * ENTRY_BYTES);
  bytes.writeInt16BE(VERSION, 0);
  bytes.writeInt32BE(entries.length, ENTRIES_AT);
  let at = ENTRIES_AT + 4;
  for (const e of entries) {
    writeInt64(bytes, at, e.producerId);
    bytes.writeInt16BE(e.epoch, at + 8);
    bytes.writeInt32BE(e.lastSequence, at + 10);
    writeInt64(bytes, at + 14, e.lastOffset);
    bytes.writeInt32BE(e.offsetDelta, at + 22);
    writeInt64(bytes, at + 26, e.timestamp);
    bytes.writeInt32BE(e.coordinatorEpoch, at + 34);
    writeInt64(bytes, at + 38, e.currentTxnFirstOffset);
    at += ENTRY_BYTES;
  }
  bytes.writeUInt32BE(crc32c(bytes, ENTRIES_AT), CRC_AT);
  return bytes;
}

/** Reads a snapshot file's bytes; anything malformed is a CorruptSnapshotError naming `path`. */
export function decodeProducerSnapshot(bytes: Buffer, path: string): ProducerSnapshotEntry[] {
  if (bytes.length < ENTRIES_AT + 4) throw new CorruptSnapshotError(path, `${bytes.length} bytes is shorter than a snapshot header`);
  const version = readInt16(bytes, 0);
  if (version !== VERSION) throw new CorruptSnapshotError(path, `version ${version} is not supported (only ${VERSION})`);
  const stored = readUInt32(bytes, CRC_AT);
  const computed = crc32c(bytes, ENTRIES_AT);
  if (stored !== computed) throw new CorruptSnapshotError(path, `crc ${stored} does not match the computed ${computed}`);
  const count = readInt32(bytes, ENTRIES_AT);
  if (count < 0 || ENTRIES_AT + 4 + count * ENTRY_BYTES !== bytes.length) {
    throw new CorruptSnapshotError(path, `${count} entries do not fill its ${bytes.length} bytes`);
  }
  const entries: ProducerSnapshotEntry[] = [];
  for (let i = 0, at = ENTRIES_AT + 4; i < count; i++, at += ENTRY_BYTES) {
    entries.push({
      producerId: readInt64(bytes, at),
      epoch: readInt16(bytes, at + 8),
      lastSequence: readInt32(bytes, at + 10),
      lastOffset: readInt64(bytes, at + 14),
      offsetDelta: readInt32(bytes, at + 22),
      timestamp: readInt64(bytes, at + 26),
      coordinatorEpoch: readInt32(bytes, at + 34),
      currentTxnFirstOffset: readInt64(bytes, at + 38),
    });
  }
  return entries;
}

/**
 * A log's `.snapshot` files (Kafka's names: the offset up to which the
 * producer state they hold is complete, zero-padded to 20 digits). A log
 * writes one when it rolls a segment (named for the new segment's base
 * offset) and one when it closes (named for its end offset), and on open
 * loads the newest and replays only the batches after it.
 */
export class ProducerSnapshots {
  constructor(private readonly dir: LogDirectory) {}

  /** Offsets that have a snapshot, ascending. */
  async offsets(): Promise<number[]> {
    const offsets: number[] = [];
    for (const name of await this.dir.list()) {
      const offset = parseSnapshotFileName(name);
      if (offset !== undefined) offsets.push(offset);
    }
    return offsets.sort((a, b) => a - b);
  }

  /**
   * Writes the snapshot at `offset`. `durable` (a clean shutdown) replaces the
   * file atomically and syncs it; a roll's snapshot is written plainly, as
   * Kafka does, since a torn one fails its CRC and an older one is used.
   */
  async write(offset: number, entries: readonly ProducerSnapshotEntry[], durable: boolean): Promise<void> {
    const name = snapshotFileName(offset);
    const bytes = encodeProducerSnapshot(entries);
    if (durable) return this.dir.writeAtomically(name, bytes);
    const object = await this.dir.open(name, { create: true });
    try {
      await object.truncate(0); // a snapshot left at this offset by an earlier life of the log
      await object.append(bytes);
    } finally {
      await object.close();
    }
  }

  /** Syncs a snapshot written plainly (a roll's, by the flush the roll starts); one deleted meanwhile is no error. */
  async sync(offset: number): Promise<void> {
    const name = snapshotFileName(offset);
    let object: StorageObject;
    try {
      object = await this.dir.open(name);
    } catch (error) {
      if (error instanceof StorageError && error.code === 'NOT_FOUND') return;
      throw error;
    }
    try {
      await object.flush();
    } finally {
      await object.close();
    }
  }

  async read(offset: number): Promise<ProducerSnapshotEntry[]> {
    const name = snapshotFileName(offset);
    return decodeProducerSnapshot(await this.dir.readAll(name), `${this.dir.path}/${name}`);
  }

  async delete(offset: number): Promise<void> {
    const name = snapshotFileName(offset);
    if (await this.dir.exists(name)) await this.dir.delete(name);
  }

  /** Removes the snapshots for which `drop(offset)` holds. */
  async deleteWhere(drop: (offset: number) => boolean): Promise<void> {
    for (const offset of await this.offsets()) if (drop(offset)) await this.delete(offset);
  }
}
