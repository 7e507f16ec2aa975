import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { crc32c, nativeCrc32c, portableCrc32c } from '../../storage/record/crc32c.js';

describe('crc32c', () => {
  it('matches the CRC-32C check value', () => {
    // The standard check: CRC-32C of "123456789" is 0xE3069283.
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(portableCrc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('uses the native implementation on this machine, and it agrees with the portable one', () => {
    expect(nativeCrc32c).toBeDefined();
    for (const size of [0, 1, 7, 61, 4096, 16384, 100_000]) {
      const bytes = randomBytes(size);
      expect(nativeCrc32c!(bytes) >>> 0).toBe(portableCrc32c(bytes));
    }
  });

  it('checksums a range without copying', () => {
    const bytes = randomBytes(1000);
    expect(crc32c(bytes, 21, 900)).toBe(portableCrc32c(bytes.subarray(21, 900)));
  });
});
