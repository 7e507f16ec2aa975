import { describe, expect, it } from 'vitest';
import { crc32c, crc32cInHardware, nativeCrc32c, portableCrc32c } from '../../storage/native/crc32c.js';
import { expectThrown } from '../errors.js';
import { seededRandom } from '../record/random.js';

describe('crc32c', () => {
  it('matches the CRC-32C check value', () => {
    // The standard check: CRC-32C of "123456789" is 0xE3069283.
    expect(crc32c(Buffer.from('123456789'))).toBe(0xe3069283);
    expect(portableCrc32c(Buffer.from('123456789'))).toBe(0xe3069283);
  });

  it('uses the native addon on the CPU instruction here, and it agrees with the portable one', () => {
    expect(nativeCrc32c).toBeDefined();
    expect(crc32cInHardware).toBe(process.arch === 'x64');
    // Sizes around the addon's three-stream block sizes (3 × 64, 3 × 512, 3 × 4096 bytes) and odd alignments.
    const random = seededRandom(12);
    const sizes = [0, 1, 7, 8, 61, 191, 192, 193, 1535, 1536, 1537, 12287, 12288, 12289, 16384, 16675, 100_000, 1 << 20];
    for (const size of sizes) {
      for (const start of [0, 1, 3, 5]) {
        const bytes = random.bytes(size + start).subarray(start);
        expect(nativeCrc32c!(bytes), `size ${size} at ${start}`).toBe(portableCrc32c(bytes));
      }
    }
    for (let i = 0; i < 200; i++) {
      const bytes = random.bytes(random.int(1, 40_000));
      expect(nativeCrc32c!(bytes)).toBe(portableCrc32c(bytes));
    }
  });

  it('checksums a range without copying', () => {
    const bytes = seededRandom(29).bytes(20_000);
    expect(crc32c(bytes, 21, 900)).toBe(portableCrc32c(bytes.subarray(21, 900)));
    expect(crc32c(bytes, 21)).toBe(portableCrc32c(bytes.subarray(21)));
    expect(crc32c(bytes, 61, 19_000)).toBe(portableCrc32c(bytes, 61, 19_000));
  });

  it('refuses what is not bytes, and clamps a range to the bytes as subarray does', () => {
    expectThrown(() => nativeCrc32c!('abc' as unknown as Uint8Array), TypeError, {}, /must be a Uint8Array/);
    expectThrown(() => nativeCrc32c!(new Uint16Array(4) as unknown as Uint8Array), TypeError, {}, /must be a Uint8Array/);
    const bytes = seededRandom(36).bytes(10);
    expect(nativeCrc32c!(bytes, 5, 2)).toBe(portableCrc32c(bytes, 5, 2));
    expect(nativeCrc32c!(bytes, 3, 11)).toBe(portableCrc32c(bytes.subarray(3)));
    expect(nativeCrc32c!(bytes, 12, 20)).toBe(0);
  });
});
