import { hashKey } from './key-hash.js';

/** Bytes one entry costs, as in Kafka's SkimpyOffsetMap: a 16-byte key hash and an 8-byte offset. */
export const OFFSET_MAP_ENTRY_BYTES = 24;
const INITIAL_SLOTS = 1 << 12;

/**
 * The cleaner's map of key → latest offset for the dirty section of a log
 * (Kafka's SkimpyOffsetMap). Keys are stored as their 128-bit hash, never as
 * bytes, so an entry costs 24 bytes whatever the key's size. Open addressing
 * with linear probing over typed arrays: no object per entry, nothing for the
 * garbage collector. Memory grows by doubling as entries arrive, up to
 * `maxBytes` (log.cleaner.dedupe.buffer.size); the map is full once it holds
 * `loadFactor` of that many entries, and the cleaner then cleans the part of
 * the dirty section it has mapped.
 */
export class OffsetMap {
  private slots: number;
  private readonly maxSlots: number;
  private hashes: Int32Array;
  private offsets: Float64Array;
  private entries = 0;
  private readonly hash = new Int32Array(4);
  /**
   * The last offset the map speaks for: records after it are newer than
   * anything mapped and are kept whatever their key (-1 when cleared).
   */
  latestOffset = -1;

  constructor(
    maxBytes: number,
    private readonly loadFactor = 0.9,
  ) {
    // A power of two so a slot is `hash & mask`.
    let max = INITIAL_SLOTS;
    while (max * 2 * OFFSET_MAP_ENTRY_BYTES <= maxBytes) max *= 2;
    this.maxSlots = max;
    this.slots = Math.min(INITIAL_SLOTS, max);
    this.hashes = new Int32Array(this.slots * 4);
    this.offsets = new Float64Array(this.slots).fill(-1);
  }

  /** Distinct keys held. */
  get size(): number {
    return this.entries;
  }

  /** The most entries the map will hold: loadFactor of its largest size. */
  get capacity(): number {
    return Math.floor(this.maxSlots * this.loadFactor);
  }

  get isFull(): boolean {
    return this.entries >= this.capacity;
  }

  /** Share of the capacity in use (Kafka's buffer utilization). */
  get utilization(): number {
    return this.entries / this.maxSlots;
  }

  clear(): void {
    if (this.entries > 0) this.offsets.fill(-1);
    this.entries = 0;
    this.latestOffset = -1;
  }

  /** Records `offset` for `key` unless the map already holds a later one. */
  put(key: Uint8Array, offset: number): void {
    hashKey(key, this.hash);
    this.putHash(this.hash, 0, offset);
  }

  /** Like put, for a key hashed earlier into `hashes[at..at+3]` (a transaction's keys wait so until its marker). */
  putHash(hashes: Int32Array, at: number, offset: number): void {
    if (this.entries >= this.slots * this.loadFactor && this.slots < this.maxSlots) this.grow();
    const slot = this.find(hashes, at);
    const current = this.offsets[slot]!;
    if (current < 0) {
      // Callers stop at isFull; past it only a transaction's commit may add a few, never the last free slot.
      if (this.entries >= this.maxSlots - 1) throw new RangeError(`offset map is full (${this.entries} keys)`);
      this.hashes.set(hashes.subarray(at, at + 4), slot * 4);
      this.entries++;
      this.offsets[slot] = offset;
    } else if (offset > current) {
      this.offsets[slot] = offset;
    }
  }

  /** The latest offset mapped for `key`, or -1. */
  get(key: Uint8Array): number {
    hashKey(key, this.hash);
    return this.offsets[this.find(this.hash, 0)]!;
  }

  /** The slot holding the hash, or the empty slot where it would go. */
  private find(hashes: Int32Array, at: number): number {
    const h0 = hashes[at]!;
    const h1 = hashes[at + 1]!;
    const h2 = hashes[at + 2]!;
    const h3 = hashes[at + 3]!;
    const mask = this.slots - 1;
    const table = this.hashes;
    for (let slot = h0 & mask; ; slot = (slot + 1) & mask) {
      if (this.offsets[slot]! < 0) return slot;
      const i = slot * 4;
      if (table[i] === h0 && table[i + 1] === h1 && table[i + 2] === h2 && table[i + 3] === h3) return slot;
    }
  }

  private grow(): void {
    const oldHashes = this.hashes;
    const oldOffsets = this.offsets;
    const oldSlots = this.slots;
    this.slots *= 2;
    this.hashes = new Int32Array(this.slots * 4);
    this.offsets = new Float64Array(this.slots).fill(-1);
    for (let slot = 0; slot < oldSlots; slot++) {
      const offset = oldOffsets[slot]!;
      if (offset < 0) continue;
      const target = this.find(oldHashes, slot * 4);
      this.hashes.set(oldHashes.subarray(slot * 4, slot * 4 + 4), target * 4);
      this.offsets[target] = offset;
    }
  }
}
