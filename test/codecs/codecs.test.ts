import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { COMPRESSION_NAMES, type Codec, CompressionType, CorruptRecordError, codecFor } from '../../codecs/index.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { expectThrown } from '../errors.js';
import { seededRandom } from '../record/random.js';

const CODECS: Codec[] = COMPRESSION_NAMES.map((name) => codecFor(name));
const COMPRESSED = CODECS.filter((c) => c.type !== CompressionType.None);

/** JSON-like records, the kind of payload Kafka batches usually carry. */
function realistic(size: number): Buffer {
  const parts: string[] = [];
  let length = 0;
  for (let i = 0; length < size; i++) {
    const line = JSON.stringify({
      id: i,
      user: `user-${i % 97}`,
      event: ['click', 'view', 'buy'][i % 3],
      at: 1700000000000 + i * 17,
      score: (i * 7919) % 1000,
    });
    parts.push(line);
    length += line.length;
  }
  return Buffer.from(parts.join('')).subarray(0, size);
}

/** Runs `check`, returning the error it throws (or undefined). */
function thrown(check: () => unknown): unknown {
  try {
    check();
  } catch (error) {
    return error;
  }
  return undefined;
}

describe.each(CODECS.map((c) => [c.name, c] as const))('%s codec', (_name, codec) => {
  it.each([0, 1, 100, 16 * 1024, 1024 * 1024])('round-trips %i bytes of realistic and random data', (size) => {
    for (const input of [realistic(size), seededRandom(size).bytes(size)]) {
      const compressed = codec.compress(input);
      expect(codec.decompress(compressed).equals(input)).toBe(true);
    }
  });

  it('is found by its Kafka attribute id and by name', () => {
    expect(codecFor(codec.type)).toBe(codec);
    expect(codecFor(codec.name.toUpperCase())).toBe(codec);
  });

  it('refuses output beyond the decompression limit', () => {
    const bomb = codec.compress(Buffer.alloc(2 * 1024 * 1024));
    const error = thrown(() => codec.decompress(bomb, 1024 * 1024));
    expect(error).toBeInstanceOf(CorruptRecordError);
    expect((error as Error).message).toMatch(/limit/);
    expect(codec.decompress(bomb, 2 * 1024 * 1024).length).toBe(2 * 1024 * 1024);
  });
});

describe.each(COMPRESSED.map((c) => [c.name, c] as const))('%s codec with bad input', (_name, codec) => {
  const input = realistic(40 * 1024);
  const good = codec.compress(input);

  it('fails every truncation with CorruptRecordError', () => {
    for (let cut = 0; cut < good.length; cut += Math.max(1, Math.floor(good.length / 200))) {
      const error = thrown(() => codec.decompress(good.subarray(0, cut)));
      // gzip and zstd may not notice a truncation inside their trailers' padding; nothing else is allowed.
      expect(error, `truncated at ${cut} of ${good.length}`).toBeInstanceOf(CorruptRecordError);
    }
  });

  it('never throws anything but CorruptRecordError, and never returns garbage silently, on mutated input', () => {
    const random = seededRandom(70);
    let rejected = 0;
    for (let i = 0; i < 2000; i++) {
      const mutated = Buffer.from(good);
      const flips = 1 + (i % 4);
      for (let f = 0; f < flips; f++) mutated[random.int(0, mutated.length - 1)]! ^= 1 << random.int(0, 7);
      let output: Buffer | undefined;
      const error = thrown(() => {
        output = codec.decompress(mutated, 1024 * 1024);
      });
      if (error) {
        expect(error).toBeInstanceOf(CorruptRecordError);
        rejected++;
      } else {
        expect(output!.length).toBeLessThanOrEqual(1024 * 1024);
      }
    }
    expect(rejected).toBeGreaterThan(0);
  });

  it('rejects random bytes', () => {
    const random = seededRandom(86);
    for (let i = 0; i < 500; i++) {
      const error = thrown(() => codec.decompress(random.bytes(1 + (i % 300)), 1024 * 1024));
      if (error) expect(error).toBeInstanceOf(CorruptRecordError);
    }
  });
});

describe('codecFor', () => {
  it('lists the valid names for an unknown one', () => {
    expectThrown(() => codecFor('brotli'), RangeError, {}, /valid names are none, gzip, snappy, lz4, zstd/);
    expectThrown(() => codecFor(7), RangeError, {}, /valid types are 0-4/);
  });
});

// Frames made by independent implementations, not by our own encoder.
const python = '/usr/bin/python3';
function py(script: string, input: Buffer): Buffer | undefined {
  const run = spawnSync(python, ['-c', script], { input, maxBuffer: 64 * 1024 * 1024, timeout: 30_000 });
  return run.status === 0 ? run.stdout : undefined;
}
const havePython = existsSync(python) && spawnSync(python, ['-c', 'import lz4.frame, snappy, zstandard']).status === 0;

describe.skipIf(!havePython)('frames from other implementations', () => {
  const input = realistic(300 * 1024);
  const lz4Variants: Array<[string, string]> = [
    ['no checksums', 'block_linked=False, block_checksum=False, content_checksum=False'],
    ['block checksums', 'block_linked=False, block_checksum=True, content_checksum=False'],
    ['content checksum and size', 'block_linked=False, block_checksum=False, content_checksum=True, store_size=True'],
    ['4 MiB blocks, linked', 'block_size=lz4.frame.BLOCKSIZE_MAX4MB, block_linked=False, content_checksum=True'],
  ];
  it.each(lz4Variants)('lz4 frame with %s (python-lz4, as librdkafka writes)', (_label, options) => {
    const frame = py(`import sys, lz4.frame; sys.stdout.buffer.write(lz4.frame.compress(sys.stdin.buffer.read(), ${options}))`, input);
    expect(frame).toBeDefined();
    expect(codecFor('lz4').decompress(frame!).equals(input)).toBe(true);
  });

  it('lz4 frame with a corrupted content checksum is refused', () => {
    const frame = py(
      'import sys, lz4.frame; sys.stdout.buffer.write(lz4.frame.compress(sys.stdin.buffer.read(), block_linked=False, content_checksum=True))',
      input,
    )!;
    frame[frame.length - 1] ^= 0xff;
    expectThrown(() => codecFor('lz4').decompress(frame), CorruptRecordError, { errorCode: ErrorCode.CORRUPT_MESSAGE }, /content checksum mismatch/);
  });

  it('a frame of linked blocks gets a clear error (Kafka clients never write one)', () => {
    const frame = py('import sys, lz4.frame; sys.stdout.buffer.write(lz4.frame.compress(sys.stdin.buffer.read(), block_linked=True))', input)!;
    expectThrown(
      () => codecFor('lz4').decompress(frame),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /linked \(dependent\) blocks are not supported/,
    );
  });

  it('raw snappy (librdkafka) and xerial-framed snappy (the Java client)', () => {
    const rawFrame = py('import sys, snappy; sys.stdout.buffer.write(snappy.compress(sys.stdin.buffer.read()))', input)!;
    expect(codecFor('snappy').decompress(rawFrame).equals(input)).toBe(true);
    // kafka-python's xerial encoder follows snappy-java's framing.
    const xerial = py(
      'import sys; from kafka.codec import snappy_encode; sys.stdout.buffer.write(snappy_encode(sys.stdin.buffer.read(), xerial_compatible=True, xerial_blocksize=32*1024))',
      input,
    );
    if (xerial) expect(codecFor('snappy').decompress(xerial).equals(input)).toBe(true);
  });

  it('zstd frames with and without a content size', () => {
    const sized = py('import sys, zstandard; sys.stdout.buffer.write(zstandard.ZstdCompressor(level=3).compress(sys.stdin.buffer.read()))', input)!;
    const unsized = py(
      'import sys, zstandard; sys.stdout.buffer.write(zstandard.ZstdCompressor(level=3, write_content_size=False).compress(sys.stdin.buffer.read()))',
      input,
    )!;
    expect(codecFor('zstd').decompress(sized).equals(input)).toBe(true);
    expect(codecFor('zstd').decompress(unsized).equals(input)).toBe(true);
    expect(() => codecFor('zstd').decompress(unsized, 1000)).toThrow(CorruptRecordError);
  });

  it('our encodings decode in the other implementations', () => {
    const checks: Array<[string, string]> = [
      ['lz4', 'import sys, lz4.frame; sys.stdout.buffer.write(lz4.frame.decompress(sys.stdin.buffer.read()))'],
      ['zstd', 'import sys, zstandard; sys.stdout.buffer.write(zstandard.ZstdDecompressor().decompress(sys.stdin.buffer.read()))'],
      ['gzip', 'import sys, gzip; sys.stdout.buffer.write(gzip.decompress(sys.stdin.buffer.read()))'],
      ['snappy', 'import sys; from kafka.codec import snappy_decode; sys.stdout.buffer.write(snappy_decode(sys.stdin.buffer.read()))'],
    ];
    for (const [name, script] of checks) {
      const out = py(script, codecFor(name).compress(input));
      expect(out?.equals(input), name).toBe(true);
    }
  });
});
