const TWO_POW_32 = 0x1_0000_0000;

/**
 * An int64 field as a JS number: exact within ±(2^53 − 1), which offsets,
 * timestamps and broker-assigned producer ids stay in. Avoids BigInt on the
 * hot path (readBigInt64BE allocates).
 */
export function readInt64(buffer: Buffer, at: number): number {
  return buffer.readInt32BE(at) * TWO_POW_32 + buffer.readUInt32BE(at + 4);
}

/** Writes a safe integer as an int64 field. */
export function writeInt64(buffer: Buffer, at: number, value: number): void {
  if (!Number.isSafeInteger(value)) throw new RangeError(`int64 value ${value} is not a safe integer`);
  const high = Math.floor(value / TWO_POW_32);
  buffer.writeInt32BE(high, at);
  buffer.writeUInt32BE(value - high * TWO_POW_32, at + 4);
}
