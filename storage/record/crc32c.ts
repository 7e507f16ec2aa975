import CRC32C from 'crc-32/crc32c.js';

/**
 * CRC-32C (Castagnoli) of bytes[start, end) as an unsigned 32-bit number: the
 * checksum of v2 record batches. The package only checksums whole arrays, so a
 * range costs one subarray view (no copy).
 */
export function crc32c(bytes: Uint8Array, start = 0, end = bytes.length): number {
  const range = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  return CRC32C.buf(range) >>> 0;
}
