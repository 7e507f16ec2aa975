/** A small seeded PRNG (mulberry32) so failures reproduce. */
export class Random {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** Uniform in [0, 1). */
  next(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Integer in [min, max]. */
  int(min: number, max: number): number {
    return min + Math.floor(this.next() * (max - min + 1));
  }

  bytes(length: number): Buffer {
    const out = Buffer.allocUnsafe(length);
    for (let i = 0; i < length; i++) out[i] = (this.next() * 256) | 0;
    return out;
  }

  /** Bytes that compress: words drawn from a small vocabulary. */
  text(length: number): Buffer {
    const words = ['kafka ', 'samsa ', 'record ', 'batch ', 'offset ', 'log '];
    let s = '';
    while (s.length < length) s += words[this.int(0, words.length - 1)];
    return Buffer.from(s.slice(0, length));
  }

  pick<T>(items: readonly T[]): T {
    return items[this.int(0, items.length - 1)]!;
  }
}
