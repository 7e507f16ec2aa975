/** Byte fields at least this long are referenced as their own chunk instead of copied. */
const ZERO_COPY_THRESHOLD = 1024;
const INITIAL_BLOCK = 1024;

/**
 * Writes Kafka protocol primitives. Output is a list of chunks, not one
 * buffer: small fields are packed into blocks, while large byte fields
 * (record batches served by a fetch) are passed through by reference, so
 * a response never copies the log data it carries. `chunks()` feeds a
 * socket's vectored write; `toBuffer()` joins them when one buffer is needed.
 */
export class ProtocolWriter {
  private readonly done: Buffer[] = [];
  private block: Buffer;
  private position = 0;
  private blockStart = 0;
  private doneBytes = 0;

  constructor(sizeHint = INITIAL_BLOCK) {
    this.block = Buffer.allocUnsafe(Math.max(64, sizeHint));
  }

  /** Total bytes written so far. */
  get length(): number {
    return this.doneBytes + this.position - this.blockStart;
  }

  private room(bytes: number): void {
    if (this.position + bytes <= this.block.length) return;
    this.sealBlock();
    this.block = Buffer.allocUnsafe(Math.max(bytes, this.block.length * 2));
    this.position = 0;
    this.blockStart = 0;
  }

  private sealBlock(): void {
    if (this.position > this.blockStart) {
      const used = this.block.subarray(this.blockStart, this.position);
      this.done.push(used);
      this.doneBytes += used.length;
      this.blockStart = this.position;
    }
  }

  int8(v: number): this {
    this.room(1);
    this.block.writeInt8(v, this.position);
    this.position += 1;
    return this;
  }

  bool(v: boolean): this {
    return this.int8(v ? 1 : 0);
  }

  int16(v: number): this {
    this.room(2);
    this.block.writeInt16BE(v, this.position);
    this.position += 2;
    return this;
  }

  uint16(v: number): this {
    this.room(2);
    this.block.writeUInt16BE(v, this.position);
    this.position += 2;
    return this;
  }

  int32(v: number): this {
    this.room(4);
    this.block.writeInt32BE(v, this.position);
    this.position += 4;
    return this;
  }

  uint32(v: number): this {
    this.room(4);
    this.block.writeUInt32BE(v, this.position);
    this.position += 4;
    return this;
  }

  int64(v: number | bigint): this {
    this.room(8);
    if (typeof v === 'bigint') {
      this.block.writeBigInt64BE(v, this.position);
    } else {
      // Split into two 32-bit halves: faster than going through BigInt.
      const high = Math.floor(v / 2 ** 32);
      this.block.writeInt32BE(high, this.position);
      this.block.writeUInt32BE(v - high * 2 ** 32, this.position + 4);
    }
    this.position += 8;
    return this;
  }

  float64(v: number): this {
    this.room(8);
    this.block.writeDoubleBE(v, this.position);
    this.position += 8;
    return this;
  }

  uvarint(v: number): this {
    this.room(5);
    let value = v >>> 0;
    while (value >= 0x80) {
      this.block[this.position++] = (value & 0x7f) | 0x80;
      value >>>= 7;
    }
    this.block[this.position++] = value;
    return this;
  }

  varint(v: number): this {
    return this.uvarint(((v << 1) ^ (v >> 31)) >>> 0);
  }

  varlong(v: number | bigint): this {
    this.room(10);
    const big = BigInt(v);
    let value = (big << 1n) ^ (big >> 63n);
    value &= 0xffffffffffffffffn;
    while (value >= 0x80n) {
      this.block[this.position++] = Number(value & 0x7fn) | 0x80;
      value >>= 7n;
    }
    this.block[this.position++] = Number(value);
    return this;
  }

  uuid(v: Uint8Array): this {
    if (v.length !== 16) throw new RangeError(`a uuid is 16 bytes, got ${v.length}`);
    return this.raw(v);
  }

  /** Bytes with no length prefix; large ones are referenced, not copied. */
  raw(v: Uint8Array): this {
    if (v.length >= ZERO_COPY_THRESHOLD) {
      this.sealBlock();
      const chunk = Buffer.isBuffer(v) ? v : Buffer.from(v.buffer, v.byteOffset, v.length);
      this.done.push(chunk);
      this.doneBytes += chunk.length;
      return this;
    }
    this.room(v.length);
    this.block.set(v, this.position);
    this.position += v.length;
    return this;
  }

  private utf8(v: string, prefix: (length: number) => void): this {
    // Most strings in the protocol are short ASCII names: write them straight in.
    const max = v.length * 3;
    if (max <= 256) {
      this.room(max + 5);
      const at = this.position;
      this.position += 5; // room for the longest prefix, moved below
      const written = this.block.write(v, this.position, 'utf8');
      this.position = at;
      prefix(written);
      this.block.copyWithin(this.position, at + 5, at + 5 + written);
      this.position += written;
      return this;
    }
    const bytes = Buffer.from(v, 'utf8');
    prefix(bytes.length);
    return this.raw(bytes);
  }

  string(v: string): this {
    return this.utf8(v, (n) => {
      if (n > 0x7fff) throw new RangeError(`string of ${n} bytes is too long for an int16 length`);
      this.int16(n);
    });
  }

  nullableString(v: string | null): this {
    return v === null ? this.int16(-1) : this.string(v);
  }

  compactString(v: string): this {
    return this.utf8(v, (n) => this.uvarint(n + 1));
  }

  compactNullableString(v: string | null): this {
    return v === null ? this.uvarint(0) : this.compactString(v);
  }

  bytes(v: Uint8Array): this {
    return this.int32(v.length).raw(v);
  }

  nullableBytes(v: Uint8Array | null): this {
    return v === null ? this.int32(-1) : this.bytes(v);
  }

  compactBytes(v: Uint8Array): this {
    return this.uvarint(v.length + 1).raw(v);
  }

  compactNullableBytes(v: Uint8Array | null): this {
    return v === null ? this.uvarint(0) : this.compactBytes(v);
  }

  arrayLength(count: number | null): this {
    return this.int32(count === null ? -1 : count);
  }

  compactArrayLength(count: number | null): this {
    return this.uvarint(count === null ? 0 : count + 1);
  }

  /** A tagged-field section; each field's body is written by its own writer so its size is known. */
  taggedFields(fields: ReadonlyArray<readonly [tag: number, body: ProtocolWriter]> = []): this {
    this.uvarint(fields.length);
    for (const [tag, body] of fields) {
      this.uvarint(tag).uvarint(body.length);
      for (const chunk of body.chunks()) this.raw(chunk);
    }
    return this;
  }

  /** The bytes written, as chunks in order; valid until the writer is written to again. */
  chunks(): Buffer[] {
    this.sealBlock();
    return this.done;
  }

  toBuffer(): Buffer {
    const chunks = this.chunks();
    return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.doneBytes);
  }
}
