/**
 * Whole chunks kept in memory, least recently used first out, shared by the
 * databases of one level backend. Lookups by offset read a batch header of 61
 * bytes and then the batch: both come from the chunk the first read brought
 * in, instead of LevelDB copying the whole value out for every probe. Chunks
 * are never changed in place (a truncation or rewrite drops them here first),
 * so reads may return views of them.
 */
export class ChunkCache {
  private readonly chunks = new Map<string, Buffer>();
  private bytes = 0;

  constructor(readonly maxBytes: number) {}

  /** `owner` names the object (its database's path and name), `start` the chunk. */
  get(owner: string, start: number): Buffer | undefined {
    const key = `${owner}\0${start}`;
    const chunk = this.chunks.get(key);
    if (chunk !== undefined) {
      this.chunks.delete(key);
      this.chunks.set(key, chunk);
    }
    return chunk;
  }

  set(owner: string, start: number, chunk: Buffer): void {
    if (chunk.length > this.maxBytes) return;
    const key = `${owner}\0${start}`;
    const old = this.chunks.get(key);
    if (old !== undefined) {
      this.bytes -= old.length;
      this.chunks.delete(key);
    }
    this.chunks.set(key, chunk);
    this.bytes += chunk.length;
    for (const [oldest, evicted] of this.chunks) {
      if (this.bytes <= this.maxBytes) break;
      this.chunks.delete(oldest);
      this.bytes -= evicted.length;
    }
  }

  /** Forgets the owner's chunks from `from` on (all of them by default). */
  drop(owner: string, from = 0): void {
    const prefix = `${owner}\0`;
    for (const [key, chunk] of this.chunks) {
      if (key.startsWith(prefix) && Number(key.slice(prefix.length)) >= from) {
        this.chunks.delete(key);
        this.bytes -= chunk.length;
      }
    }
  }
}
