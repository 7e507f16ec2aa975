import { Random } from '../../record/prng.js';
import type { SeedFrame } from './corpus.js';

/**
 * Fuzz cases made from real clients' frames: each case is a function of the
 * run's seed and its own number alone, so any one case replays by itself.
 * A frame gets one to three mutations (bit flips, byte overwrites, the
 * values lengths and counts break on written at random places, bytes
 * inserted, deleted, duplicated, cut, appended, a splice with another frame,
 * another API version or key), and then is framed: with its true length
 * prefix mostly, else with a prefix that lies (more bytes promised than sent,
 * fewer, negative, huge), several frames pipelined in one write, or the
 * bytes dribbled in small writes.
 */
export interface FuzzCase {
  readonly index: number;
  /** The bytes to send, in separate writes. */
  readonly writes: Buffer[];
  /** Frames whose length prefix matches what follows: the most responses the broker may send. */
  readonly wholeFrames: number;
  /** Whether the last frame's prefix promises more bytes than were sent (the broker waits for them). */
  readonly unfinished: boolean;
  /** Which seed frame and what was done to it, for a report. */
  readonly description: string;
}

/** Values that sit on the edges of int16/int32 lengths, counts and varints. */
const EDGES = [0, 1, -1, -2, 0x7f, 0x80, 0xff, 0x100, 0x7fff, -0x8000, 0xffff, 0x10000, 0x7fffffff, -0x80000000, 0x3fffffff];

/** A 32-bit seed for case `index` of a run seeded `seed` (an integer hash of the two). */
function caseSeed(seed: number, index: number): number {
  let h = Math.imul(seed ^ 0x9e3779b9, 0x85ebca6b) ^ Math.imul(index + 0x632be5ab, 0xc2b2ae35);
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d);
  h ^= h >>> 15;
  return h >>> 0;
}

function mutateOnce(frame: Buffer, random: Random, corpus: readonly SeedFrame[]): [Buffer, string] {
  const at = () => random.int(0, Math.max(0, frame.length - 1));
  switch (random.int(0, 10)) {
    case 0: {
      const out = Buffer.from(frame);
      const flips = random.int(1, 8);
      for (let i = 0; i < flips && out.length > 0; i++) out[at()]! ^= 1 << random.int(0, 7);
      return [out, `${flips} bit flips`];
    }
    case 1: {
      const out = Buffer.from(frame);
      const n = random.int(1, 4);
      for (let i = 0; i < n && out.length > 0; i++) out[at()] = random.int(0, 255);
      return [out, `${n} bytes overwritten`];
    }
    case 2: {
      const out = Buffer.from(frame);
      const value = random.pick(EDGES);
      const width = random.pick([1, 2, 4]);
      const position = random.int(0, Math.max(0, out.length - width));
      if (out.length >= width) {
        if (width === 1) out.writeUInt8(value & 0xff, position);
        else if (width === 2) out.writeUInt16BE(value & 0xffff, position);
        else out.writeInt32BE(value | 0, position);
      }
      return [out, `int${width * 8} ${value} at ${position}`];
    }
    case 3: {
      const position = at();
      const bytes = random.bytes(random.int(1, 16));
      return [Buffer.concat([frame.subarray(0, position), bytes, frame.subarray(position)]), `${bytes.length} bytes inserted at ${position}`];
    }
    case 4: {
      const position = at();
      const length = random.int(1, 32);
      return [Buffer.concat([frame.subarray(0, position), frame.subarray(position + length)]), `${length} bytes deleted at ${position}`];
    }
    case 5: {
      const position = at();
      const length = random.int(1, 64);
      const chunk = frame.subarray(position, position + length);
      return [
        Buffer.concat([frame.subarray(0, position + chunk.length), chunk, frame.subarray(position + chunk.length)]),
        `${chunk.length} bytes repeated at ${position}`,
      ];
    }
    case 6: {
      const length = random.int(0, frame.length);
      return [frame.subarray(0, length), `cut to ${length} bytes`];
    }
    case 7: {
      const bytes = random.bytes(random.int(1, 256));
      return [Buffer.concat([frame, bytes]), `${bytes.length} bytes appended`];
    }
    case 8: {
      const other = random.pick(corpus).bytes;
      const head = at();
      const tail = random.int(0, other.length);
      return [Buffer.concat([frame.subarray(0, head), other.subarray(tail)]), `spliced at ${head} with another frame from ${tail}`];
    }
    case 9: {
      const out = Buffer.from(frame);
      const version = random.int(-2, 20);
      if (out.length >= 4) out.writeInt16BE(version, 2);
      return [out, `version ${version}`];
    }
    default: {
      const out = Buffer.from(frame);
      const key = random.int(-1, 75);
      if (out.length >= 2) out.writeInt16BE(key, 0);
      return [out, `api key ${key}`];
    }
  }
}

function prefixed(frame: Buffer, prefix = frame.length): Buffer {
  const out = Buffer.allocUnsafe(4 + frame.length);
  out.writeInt32BE(prefix, 0);
  frame.copy(out, 4);
  return out;
}

/** One mutated frame of the corpus and what was done to it. */
function mutatedFrame(random: Random, corpus: readonly SeedFrame[]): [Buffer, string] {
  const seed = random.pick(corpus);
  let frame = seed.bytes;
  const steps: string[] = [];
  const count = random.int(1, 3);
  for (let i = 0; i < count; i++) {
    const [next, what] = mutateOnce(frame, random, corpus);
    frame = next;
    steps.push(what);
  }
  return [frame, `${seed.client} api ${seed.apiKey} v${seed.apiVersion}: ${steps.join(', ')}`];
}

export function fuzzCase(seed: number, index: number, corpus: readonly SeedFrame[]): FuzzCase {
  const random = new Random(caseSeed(seed, index));
  const [frame, description] = mutatedFrame(random, corpus);
  const framing = random.int(0, 19);
  if (framing < 13) return { index, writes: [prefixed(frame)], wholeFrames: 1, unfinished: false, description };
  if (framing < 15) {
    // Promises more than it sends: the broker must wait (bounded by socket.request.max.bytes) without harm.
    const promised = random.pick([frame.length + random.int(1, 100), 0x7fffffff, 100 * 1024 * 1024 + 1]);
    return { index, writes: [prefixed(frame, promised)], wholeFrames: 0, unfinished: true, description: `${description}; length prefix ${promised}` };
  }
  if (framing === 15) {
    const prefix = random.pick([-1, -0x80000000, 0, random.int(0, Math.max(0, frame.length - 1))]);
    return { index, writes: [prefixed(frame, prefix)], wholeFrames: 0, unfinished: false, description: `${description}; length prefix ${prefix}` };
  }
  if (framing < 18) {
    // Pipelined: several mutated frames in one write.
    const frames = [frame];
    const more = random.int(1, 4);
    for (let i = 0; i < more; i++) frames.push(mutatedFrame(random, corpus)[0]);
    return {
      index,
      writes: [Buffer.concat(frames.map((f) => prefixed(f)))],
      wholeFrames: frames.length,
      unfinished: false,
      description: `${description}; pipelined with ${more} more`,
    };
  }
  // Dribbled: the frame in small writes.
  const wire = prefixed(frame);
  const writes: Buffer[] = [];
  for (let at = 0; at < wire.length; ) {
    const n = random.int(1, 16);
    writes.push(wire.subarray(at, at + n));
    at += n;
  }
  return { index, writes, wholeFrames: 1, unfinished: false, description: `${description}; in ${writes.length} writes` };
}
