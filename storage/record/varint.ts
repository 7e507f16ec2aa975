import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';

/**
 * Zigzag varints as Kafka's records use them (ByteUtils.writeVarint /
 * writeVarlong): the sign is folded into the low bit, then seven bits per byte,
 * low groups first, high bit set on every byte but the last.
 *
 * Varints carry int32 values (at most 5 bytes); varlongs carry int64 values
 * (at most 10 bytes). JavaScript numbers are exact only within ±(2^53 − 1),
 * so varlongs are decoded exactly through two 32-bit halves, and a value
 * outside that range is rejected rather than silently rounded.
 */

/** A bounded read position. Readers advance `position` and never read at or past `end`. */
export interface ByteCursor {
  readonly buffer: Uint8Array;
  position: number;
  end: number;
}

const TWO_POW_32 = 0x1_0000_0000;

/** Reads a zigzag varint; `field` names what is read in any error. */
export function readVarint(cursor: ByteCursor, field: string): number {
  const { buffer, end } = cursor;
  let position = cursor.position;
  let raw = 0;
  for (let shift = 0; ; shift += 7) {
    if (position >= end) throw new CorruptRecordError(`${field}: varint runs past the end of the record`);
    const byte = buffer[position++]!;
    if (shift === 28) {
      // The fifth byte holds the top 4 bits; anything more cannot be an int32.
      if (byte > 0x0f) throw new CorruptRecordError(`${field}: varint overflows 32 bits`);
      raw |= byte << 28;
      break;
    }
    raw |= (byte & 0x7f) << shift;
    if (byte < 0x80) break;
  }
  cursor.position = position;
  return (raw >>> 1) ^ -(raw & 1);
}

/** Reads a zigzag varlong; values outside ±(2^53 − 1) are reported as corrupt. */
export function readVarlong(cursor: ByteCursor, field: string): number {
  const { buffer, end } = cursor;
  let position = cursor.position;
  // The raw (still zigzagged) 64 bits, as two unsigned 32-bit halves.
  let low = 0;
  let high = 0;
  for (let shift = 0; ; shift += 7) {
    if (position >= end) throw new CorruptRecordError(`${field}: varlong runs past the end of the record`);
    const byte = buffer[position++]!;
    const bits = byte & 0x7f;
    if (shift < 28) {
      low |= bits << shift;
    } else if (shift === 28) {
      low |= bits << 28; // the low 4 bits land in `low`, the rest spill into `high`
      high = bits >>> 4;
    } else if (shift < 63) {
      high |= bits << (shift - 32);
    } else {
      // The tenth byte holds bit 63 only.
      if (byte > 0x01) throw new CorruptRecordError(`${field}: varlong overflows 64 bits`);
      high |= byte << 31;
      break;
    }
    if (byte < 0x80) break;
  }
  cursor.position = position;
  if (high === 0 && low >= 0) return (low >>> 1) ^ -(low & 1); // fits 31 bits: the common case
  // Zigzag decode on the halves: shift right one bit, then flip all bits if the low bit was set.
  const negative = low & 1;
  let valueLow = ((low >>> 1) | (high << 31)) >>> 0;
  let valueHigh = high >>> 1;
  if (negative) {
    valueLow = ~valueLow >>> 0;
    valueHigh = ~valueHigh; // now a signed int32
  }
  const value = valueHigh * TWO_POW_32 + valueLow;
  // Rounding is monotonic and 2^53 is representable, so an unsafe value never rounds into the safe range.
  if (!Number.isSafeInteger(value)) throw new CorruptRecordError(`${field}: varlong ${negative ? 'below' : 'above'} ±(2^53 - 1)`);
  return value;
}

/** Bytes a zigzag varint of the int32 `value` takes. */
export function sizeOfVarint(value: number): number {
  let raw = ((value << 1) ^ (value >> 31)) >>> 0;
  let size = 1;
  while (raw >= 0x80) {
    raw >>>= 7;
    size++;
  }
  return size;
}

/** Writes the int32 `value` as a zigzag varint at `position`; returns the position after it. */
export function writeVarint(buffer: Uint8Array, position: number, value: number): number {
  let raw = ((value << 1) ^ (value >> 31)) >>> 0;
  while (raw >= 0x80) {
    buffer[position++] = (raw & 0x7f) | 0x80;
    raw >>>= 7;
  }
  buffer[position++] = raw;
  return position;
}

/** Bytes a zigzag varlong of the safe integer `value` takes. */
export function sizeOfVarlong(value: number): number {
  if ((value | 0) === value) return sizeOfVarint(value);
  let { low, high } = zigzag64(value);
  let size = 1;
  while (high !== 0 || low >= 0x80) {
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
    size++;
  }
  return size;
}

/** Writes the safe integer `value` as a zigzag varlong at `position`; returns the position after it. */
export function writeVarlong(buffer: Uint8Array, position: number, value: number): number {
  if ((value | 0) === value) return writeVarint(buffer, position, value);
  let { low, high } = zigzag64(value);
  while (high !== 0 || low >= 0x80) {
    buffer[position++] = (low & 0x7f) | 0x80;
    low = ((low >>> 7) | (high << 25)) >>> 0;
    high >>>= 7;
  }
  buffer[position++] = low;
  return position;
}

/** (value << 1) ^ (value >> 63) in 64 bits, as unsigned halves. Beyond int32, so allocation here is rare. */
function zigzag64(value: number): { low: number; high: number } {
  if (!Number.isSafeInteger(value)) throw new RangeError(`varlong value ${value} is not a safe integer`);
  const signedHigh = Math.floor(value / TWO_POW_32);
  const low = value - signedHigh * TWO_POW_32;
  const sign = signedHigh < 0 ? 0xffffffff : 0;
  return {
    low: ((low << 1) ^ sign) >>> 0,
    high: (((signedHigh << 1) | (low >>> 31)) ^ sign) >>> 0,
  };
}
