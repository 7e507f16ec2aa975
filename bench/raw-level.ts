// LevelDB driven straight through classic-level, the limit the level backend
// is measured against (as raw node:fs is for the file backend): the same bytes
// put as values keyed by position into a chained batch (classic-level copies
// each into LevelDB's WriteBatch at once) written every megabyte, read back by
// one iterator seek and nextv over the values a range covers. It is opened
// with the options the backend opens its databases with.
import { Level } from 'level';
import { DEFAULT_LEVEL_OPTIONS } from '../storage/backend/index.js';
import { levelDatabaseOptions } from '../storage/backend/level-options.js';

const BATCH_BYTES = 1 << 20;

function key(position: number): Buffer {
  const k = Buffer.allocUnsafe(9);
  k[0] = 0x64;
  k.writeUIntBE(0, 1, 2);
  k.writeUIntBE(position, 3, 6);
  return k;
}

type Chain = ReturnType<Level<Buffer, Buffer>['batch']>;

export class RawLevel {
  private chain: Chain;
  private pending = 0;
  /** Bytes put so far: the next value's key. */
  size = 0;

  private constructor(
    private readonly db: Level<Buffer, Buffer>,
    /** Every value is this long (the benchmarks put one size per database), so a position's value starts at a multiple of it. */
    private readonly valueBytes: number,
  ) {
    this.chain = db.batch();
  }

  static async open(path: string, valueBytes: number): Promise<RawLevel> {
    const db = new Level<Buffer, Buffer>(path, levelDatabaseOptions(DEFAULT_LEVEL_OPTIONS));
    await db.open();
    return new RawLevel(db, valueBytes);
  }

  /** Puts `bytes` at the end; a megabyte gathered is written as one batch. */
  async put(bytes: Buffer): Promise<void> {
    this.chain.put(key(this.size), bytes);
    this.size += bytes.length;
    this.pending += bytes.length;
    if (this.pending >= BATCH_BYTES) await this.write();
  }

  /** Writes what is gathered (synced when asked: a flush). */
  async write(sync = false): Promise<void> {
    const chain = this.chain;
    this.chain = this.db.batch();
    this.pending = 0;
    if (sync) chain.put(Buffer.from('sync'), Buffer.alloc(0));
    if (chain.length > 0) await chain.write({ sync });
    else await chain.close();
  }

  /** Copies [position, position + target.length) into target: one seek and nextv over the values it covers. */
  async readInto(position: number, target: Buffer): Promise<number> {
    const end = Math.min(this.size, position + target.length);
    const first = position - (position % this.valueBytes);
    const iterator = this.db.iterator({ gte: key(first), lt: key(end), fillCache: false, highWaterMarkBytes: end - first });
    const entries = await iterator.nextv(Math.ceil((end - first) / this.valueBytes));
    await iterator.close();
    for (const [k, value] of entries) {
      const at = k.readUIntBE(3, 6);
      const from = Math.max(position, at);
      const to = Math.min(end, at + value.length);
      if (to > from) value.copy(target, from - position, from - at, to - at);
    }
    return end - position;
  }

  async close(): Promise<void> {
    await this.chain.close();
    await this.db.close();
  }
}
