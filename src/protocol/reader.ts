import { ProtocolError } from './protocol-error.js';

const TWO_POW_32 = 2 ** 32;

/**
 * Reads Kafka protocol primitives from one frame. Every length and count is
 * checked against the bytes actually left before anything is allocated, so a
 * hostile 2 GiB length prefix costs nothing but a ProtocolError. Bytes fields
 * come back as slices of the frame (no copy).
 */
export class ProtocolReader {
  offset: number;

  constructor(
    readonly buffer: Buffer,
    offset = 0,
    readonly end = buffer.length,
  ) {
    this.offset = offset;
  }

  get remaining(): number {
    return this.end - this.offset;
  }

  private need(bytes: number, what: string): void {
    if (bytes > this.end - this.offset) {
      throw new ProtocolError(`${what} needs ${bytes} bytes at offset ${this.offset}, only ${this.end - this.offset} left`);
    }
  }

  int8(): number {
    this.need(1, 'int8');
    return this.buffer.readInt8(this.offset++);
  }

  bool(): boolean {
    return this.int8() !== 0;
  }

  int16(): number {
    this.need(2, 'int16');
    const v = this.buffer.readInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  uint16(): number {
    this.need(2, 'uint16');
    const v = this.buffer.readUInt16BE(this.offset);
    this.offset += 2;
    return v;
  }

  int32(): number {
    this.need(4, 'int32');
    const v = this.buffer.readInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  uint32(): number {
    this.need(4, 'uint32');
    const v = this.buffer.readUInt32BE(this.offset);
    this.offset += 4;
    return v;
  }

  /**
   * An int64 as a JS number. Offsets, timestamps and ids stay far below 2^53;
   * a value beyond it (which would silently lose precision) is an error.
   */
  int64(): number {
    this.need(8, 'int64');
    const high = this.buffer.readInt32BE(this.offset);
    const low = this.buffer.readUInt32BE(this.offset + 4);
    this.offset += 8;
    const v = high * TWO_POW_32 + low;
    if (!Number.isSafeInteger(v)) throw new ProtocolError(`int64 ${this.buffer.readBigInt64BE(this.offset - 8)} is beyond 2^53`);
    return v;
  }

  /** An int64 that may use the full range (e.g. Long.MAX_VALUE sentinels). */
  bigInt64(): bigint {
    this.need(8, 'int64');
    const v = this.buffer.readBigInt64BE(this.offset);
    this.offset += 8;
    return v;
  }

  float64(): number {
    this.need(8, 'float64');
    const v = this.buffer.readDoubleBE(this.offset);
    this.offset += 8;
    return v;
  }

  /** Unsigned LEB128 varint of at most 5 bytes (32 bits). */
  uvarint(): number {
    let result = 0;
    let shift = 0;
    for (let i = 0; i < 5; i++) {
      if (this.offset >= this.end) throw new ProtocolError(`varint runs past the end at offset ${this.offset}`);
      const byte = this.buffer[this.offset++]!;
      result += (byte & 0x7f) * 2 ** shift;
      if ((byte & 0x80) === 0) {
        if (result > 0xffffffff) throw new ProtocolError('unsigned varint overflows 32 bits');
        return result;
      }
      shift += 7;
    }
    throw new ProtocolError('unsigned varint longer than 5 bytes');
  }

  /** Zigzag-encoded signed varint (32 bits). */
  varint(): number {
    const u = this.uvarint();
    return u % 2 === 0 ? u / 2 : -(u + 1) / 2;
  }

  /** Zigzag-encoded signed varlong, as a number (must fit 2^53). */
  varlong(): number {
    let result = 0n;
    let shift = 0n;
    for (let i = 0; i < 10; i++) {
      if (this.offset >= this.end) throw new ProtocolError(`varlong runs past the end at offset ${this.offset}`);
      const byte = this.buffer[this.offset++]!;
      result |= BigInt(byte & 0x7f) << shift;
      if ((byte & 0x80) === 0) {
        const signed = (result >> 1n) ^ -(result & 1n);
        const n = Number(signed);
        if (!Number.isSafeInteger(n)) throw new ProtocolError(`varlong ${signed} is beyond 2^53`);
        return n;
      }
      shift += 7n;
    }
    throw new ProtocolError('varlong longer than 10 bytes');
  }

  uuid(): Buffer {
    this.need(16, 'uuid');
    const v = this.buffer.subarray(this.offset, this.offset + 16);
    this.offset += 16;
    return v;
  }

  private utf8(length: number, what: string): string {
    this.need(length, what);
    const v = this.buffer.toString('utf8', this.offset, this.offset + length);
    this.offset += length;
    return v;
  }

  private slice(length: number, what: string): Buffer {
    this.need(length, what);
    const v = this.buffer.subarray(this.offset, this.offset + length);
    this.offset += length;
    return v;
  }

  string(): string {
    const length = this.int16();
    if (length < 0) throw new ProtocolError(`string length ${length} is negative in a non-nullable string`);
    return this.utf8(length, 'string');
  }

  nullableString(): string | null {
    const length = this.int16();
    if (length === -1) return null;
    if (length < 0) throw new ProtocolError(`string length ${length} is invalid`);
    return this.utf8(length, 'string');
  }

  compactString(): string {
    const v = this.compactNullableString();
    if (v === null) throw new ProtocolError('null in a non-nullable compact string');
    return v;
  }

  compactNullableString(): string | null {
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) return null;
    return this.utf8(lengthPlusOne - 1, 'compact string');
  }

  bytes(): Buffer {
    const v = this.nullableBytes();
    if (v === null) throw new ProtocolError('null in non-nullable bytes');
    return v;
  }

  nullableBytes(): Buffer | null {
    const length = this.int32();
    if (length === -1) return null;
    if (length < 0) throw new ProtocolError(`bytes length ${length} is invalid`);
    return this.slice(length, 'bytes');
  }

  compactBytes(): Buffer {
    const v = this.compactNullableBytes();
    if (v === null) throw new ProtocolError('null in non-nullable compact bytes');
    return v;
  }

  compactNullableBytes(): Buffer | null {
    const lengthPlusOne = this.uvarint();
    if (lengthPlusOne === 0) return null;
    return this.slice(lengthPlusOne - 1, 'compact bytes');
  }

  /**
   * An array's element count, checked so that even one byte per element
   * would fit in what is left: a forged count cannot make us allocate.
   * Returns -1 for null.
   */
  arrayLength(): number {
    const count = this.int32();
    if (count === -1) return -1;
    return this.checkCount(count);
  }

  compactArrayLength(): number {
    const countPlusOne = this.uvarint();
    if (countPlusOne === 0) return -1;
    return this.checkCount(countPlusOne - 1);
  }

  private checkCount(count: number): number {
    if (count < 0) throw new ProtocolError(`array count ${count} is invalid`);
    if (count > this.end - this.offset) {
      throw new ProtocolError(`array count ${count} exceeds the ${this.end - this.offset} bytes left`);
    }
    return count;
  }

  /**
   * Reads a tagged-field section. Known tags are handed to `onTag` with a reader
   * bounded to the field; unknown tags are skipped, as the protocol requires.
   */
  taggedFields(onTag?: (tag: number, field: ProtocolReader) => void): void {
    const count = this.checkCount(this.uvarint());
    let lastTag = -1;
    for (let i = 0; i < count; i++) {
      const tag = this.uvarint();
      if (tag <= lastTag) throw new ProtocolError(`tagged fields out of order: ${tag} after ${lastTag}`);
      lastTag = tag;
      const size = this.uvarint();
      this.need(size, `tagged field ${tag}`);
      if (onTag) {
        const field = new ProtocolReader(this.buffer, this.offset, this.offset + size);
        onTag(tag, field);
      }
      this.offset += size;
    }
  }
}
