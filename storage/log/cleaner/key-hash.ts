/**
 * The 128-bit hash the cleaner keys its offset map by: MurmurHash3 (x86,
 * 128-bit variant) of the record key's bytes, written as four int32 words
 * into a caller's array. Kafka's SkimpyOffsetMap uses a 16-byte MD5 digest
 * for the same purpose: 128 bits make an accidental collision between two
 * keys of one log (which would drop the older key's latest value) negligible.
 * MurmurHash3 is computed here in plain 32-bit integer arithmetic, with no
 * allocation per key, several times faster than a call into node:crypto.
 */

const C1 = 0x239b961b;
const C2 = 0xab0e9789;
const C3 = 0x38b34ae5;
const C4 = 0xa1e38b93;

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function fmix(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  return h ^ (h >>> 16);
}

function word(b: Uint8Array, i: number): number {
  return b[i]! | (b[i + 1]! << 8) | (b[i + 2]! << 16) | (b[i + 3]! << 24);
}

/** Hashes `key` into `out[at..at+3]`. */
export function hashKey(key: Uint8Array, out: Int32Array, at = 0, seed = 0): void {
  const length = key.length;
  const blocks = length & ~15;
  let h1 = seed;
  let h2 = seed;
  let h3 = seed;
  let h4 = seed;
  for (let i = 0; i < blocks; i += 16) {
    let k1 = word(key, i);
    let k2 = word(key, i + 4);
    let k3 = word(key, i + 8);
    let k4 = word(key, i + 12);
    k1 = Math.imul(rotl(Math.imul(k1, C1), 15), C2);
    h1 ^= k1;
    h1 = (Math.imul(rotl(h1, 19) + h2, 5) + 0x561ccd1b) | 0;
    k2 = Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h2 ^= k2;
    h2 = (Math.imul(rotl(h2, 17) + h3, 5) + 0x0bcaa747) | 0;
    k3 = Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    h3 ^= k3;
    h3 = (Math.imul(rotl(h3, 15) + h4, 5) + 0x96cd1c35) | 0;
    k4 = Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    h4 ^= k4;
    h4 = (Math.imul(rotl(h4, 13) + h1, 5) + 0x32ac3b17) | 0;
  }
  // The 0–15 bytes after the last whole block, little-endian into four lanes.
  const rest = length - blocks;
  if (rest > 0) {
    let k1 = 0;
    let k2 = 0;
    let k3 = 0;
    let k4 = 0;
    for (let j = rest - 1; j >= 0; j--) {
      const byte = key[blocks + j]!;
      const shift = (j & 3) << 3;
      if (j >= 12) k4 |= byte << shift;
      else if (j >= 8) k3 |= byte << shift;
      else if (j >= 4) k2 |= byte << shift;
      else k1 |= byte << shift;
    }
    if (rest > 12) h4 ^= Math.imul(rotl(Math.imul(k4, C4), 18), C1);
    if (rest > 8) h3 ^= Math.imul(rotl(Math.imul(k3, C3), 17), C4);
    if (rest > 4) h2 ^= Math.imul(rotl(Math.imul(k2, C2), 16), C3);
    h1 ^= Math.imul(rotl(Math.imul(k1, C1), 15), C2);
  }
  h1 ^= length;
  h2 ^= length;
  h3 ^= length;
  h4 ^= length;
  h1 = (h1 + h2 + h3 + h4) | 0;
  h2 = (h2 + h1) | 0;
  h3 = (h3 + h1) | 0;
  h4 = (h4 + h1) | 0;
  h1 = fmix(h1);
  h2 = fmix(h2);
  h3 = fmix(h3);
  h4 = fmix(h4);
  h1 = (h1 + h2 + h3 + h4) | 0;
  out[at] = h1;
  out[at + 1] = (h2 + h1) | 0;
  out[at + 2] = (h3 + h1) | 0;
  out[at + 3] = (h4 + h1) | 0;
}
