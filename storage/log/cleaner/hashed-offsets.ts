/**
 * Keys as their 128-bit hashes (key-hash.ts), each with an offset, in a list
 * that grows by doubling: typed arrays, no object per entry. The cleaner
 * holds keys so while it cannot yet put them in its offset map: those of a
 * batch not yet read to its end, those of a transaction not yet decided.
 */
export class HashedOffsets {
  /** Entry i's hash is `hashes[4i..4i+3]`, its offset `offsets[i]`. */
  hashes: Int32Array;
  offsets: Float64Array;
  count = 0;

  constructor(initialEntries = 16) {
    this.hashes = new Int32Array(initialEntries * 4);
    this.offsets = new Float64Array(initialEntries);
  }

  /** Adds the hash in `hashes[at..at+3]` with its offset. */
  add(hashes: Int32Array, at: number, offset: number): void {
    if (this.count === this.offsets.length) this.grow();
    const to = this.count * 4;
    for (let i = 0; i < 4; i++) this.hashes[to + i] = hashes[at + i]!;
    this.offsets[this.count++] = offset;
  }

  clear(): void {
    this.count = 0;
  }

  private grow(): void {
    const hashes = new Int32Array(this.hashes.length * 2);
    hashes.set(this.hashes);
    const offsets = new Float64Array(this.offsets.length * 2);
    offsets.set(this.offsets);
    this.hashes = hashes;
    this.offsets = offsets;
  }
}
