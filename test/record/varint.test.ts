import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { CorruptRecordError } from '../../codecs/corrupt-record-error.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { readVarint, readVarlong, sizeOfVarint, sizeOfVarlong, writeVarint, writeVarlong } from '../../storage/record/varint.js';
import { expectThrown } from '../errors.js';
import { Random } from './random.js';

// Reference encoding written from Kafka's definition with BigInt, independent of the code under test.
function referenceZigzag(value: bigint, bits: 32n | 64n): Buffer {
  const mask = (1n << bits) - 1n;
  let raw = ((value << 1n) ^ (value >> (bits - 1n))) & mask;
  const out: number[] = [];
  while (raw >= 0x80n) {
    out.push(Number(raw & 0x7fn) | 0x80);
    raw >>= 7n;
  }
  out.push(Number(raw));
  return Buffer.from(out);
}

const KafkaJsEncoder = createRequire(import.meta.url)('kafkajs/src/protocol/encoder.js');

function cursorOf(bytes: Uint8Array) {
  return { buffer: bytes, position: 0, end: bytes.length };
}

function encodeWith(write: (b: Uint8Array, p: number, v: number) => number, value: number): Buffer {
  const scratch = Buffer.alloc(16);
  return scratch.subarray(0, write(scratch, 0, value));
}

const int32Cases = (() => {
  const r = new Random(1);
  const fixed = [0, 1, -1, 63, -64, 64, -65, 127, 128, 300, 8191, 8192, -8193, 2 ** 20, 2 ** 27, -(2 ** 28), 2 ** 30, 2 ** 31 - 1, -(2 ** 31)];
  const random = Array.from({ length: 2000 }, () => (r.int(0, 0xffffffff) | 0) >> r.int(0, 31));
  return [...fixed, ...random];
})();

const safeCases = (() => {
  const r = new Random(2);
  const edges = [2 ** 31, -(2 ** 31) - 1, 2 ** 32 - 1, 2 ** 32, -(2 ** 32), 2 ** 35, 2 ** 42 + 5, 2 ** 49, 2 ** 52, 2 ** 52 + 1, 2 ** 53 - 1];
  const fixed = [0, -1, 1, 1_700_000_000_000, -1_700_000_000_000, ...edges, ...edges.map((v) => -v)];
  const random = Array.from({ length: 2000 }, () => {
    const magnitude = Math.floor(r.next() * 2 ** r.int(0, 53));
    return r.next() < 0.5 && magnitude > 0 ? -magnitude : magnitude;
  });
  return [...fixed, ...random];
})();

describe('zigzag varint', () => {
  it('matches the reference encoding, its size and decodes back, for int32 edges and random values', () => {
    for (const value of int32Cases) {
      const bytes = encodeWith(writeVarint, value);
      expect(bytes, `value ${value}`).toEqual(referenceZigzag(BigInt(value), 32n));
      expect(sizeOfVarint(value)).toBe(bytes.length);
      const cursor = cursorOf(bytes);
      expect(readVarint(cursor, 'v')).toBe(value);
      expect(cursor.position).toBe(bytes.length);
    }
  });

  it('agrees with KafkaJS on varint bytes', () => {
    for (const value of int32Cases.slice(0, 300)) {
      expect(encodeWith(writeVarint, value)).toEqual(new KafkaJsEncoder().writeVarInt(value).buffer);
    }
  });

  it('encodes the examples of Kafka’s protocol guide', () => {
    expect([...encodeWith(writeVarint, 0)]).toEqual([0x00]);
    expect([...encodeWith(writeVarint, -1)]).toEqual([0x01]);
    expect([...encodeWith(writeVarint, 1)]).toEqual([0x02]);
    expect([...encodeWith(writeVarint, 300)]).toEqual([0xd8, 0x04]);
    expect([...encodeWith(writeVarint, -(2 ** 31))]).toEqual([0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('reports truncation and overflow as CorruptRecordError naming the field', () => {
    expectThrown(
      () => readVarint(cursorOf(Buffer.from([0x80, 0x80])), 'offsetDelta'),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /offsetDelta: varint runs past/,
    );
    // A fifth byte above 0x0f sets bits beyond 32, as does a sixth byte.
    expectThrown(
      () => readVarint(cursorOf(Buffer.from([0xff, 0xff, 0xff, 0xff, 0x1f])), 'keyLength'),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /keyLength: varint overflows 32 bits/,
    );
    expect(() => readVarint(cursorOf(Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x00])), 'x')).toThrow(CorruptRecordError);
    // The cursor's end bounds reads even when the buffer goes on.
    expectThrown(
      () => readVarint({ buffer: Buffer.from([0x80, 0x01]), position: 0, end: 1 }, 'x'),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /runs past/,
    );
  });
});

describe('zigzag varlong', () => {
  it('matches the reference encoding, its size and decodes back, across ±(2^53 − 1)', () => {
    for (const value of safeCases) {
      const bytes = encodeWith(writeVarlong, value);
      expect(bytes, `value ${value}`).toEqual(referenceZigzag(BigInt(value), 64n));
      expect(sizeOfVarlong(value)).toBe(bytes.length);
      const cursor = cursorOf(bytes);
      expect(readVarlong(cursor, 'v')).toBe(value);
      expect(cursor.position).toBe(bytes.length);
    }
  });

  it('agrees with KafkaJS on varlong bytes', () => {
    for (const value of safeCases.slice(0, 300)) {
      expect(encodeWith(writeVarlong, value)).toEqual(new KafkaJsEncoder().writeVarLong(value).buffer);
    }
  });

  it('reads 64-bit encodings exactly and rejects values a number cannot hold', () => {
    const max = 2n ** 53n - 1n;
    expect(readVarlong(cursorOf(referenceZigzag(max, 64n)), 'v')).toBe(Number(max));
    expect(readVarlong(cursorOf(referenceZigzag(-max, 64n)), 'v')).toBe(-Number(max));
    for (const value of [max + 1n, -max - 1n, 2n ** 62n, 2n ** 63n - 1n, -(2n ** 63n)]) {
      expect(() => readVarlong(cursorOf(referenceZigzag(value, 64n)), 'timestampDelta'), `${value}`).toThrow(/timestampDelta: varlong (above|below)/);
    }
  });

  it('reports truncation and overflow past 64 bits', () => {
    const ten = Buffer.from([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02]);
    expectThrown(
      () => readVarlong(cursorOf(ten), 'timestampDelta'),
      CorruptRecordError,
      { errorCode: ErrorCode.CORRUPT_MESSAGE },
      /timestampDelta: varlong overflows 64 bits/,
    );
    const eleven = Buffer.from([0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x81, 0x00]);
    expectThrown(() => readVarlong(cursorOf(eleven), 'v'), CorruptRecordError, { errorCode: ErrorCode.CORRUPT_MESSAGE }, /overflows 64 bits/);
    expectThrown(() => readVarlong(cursorOf(Buffer.from([0xff, 0xff])), 'v'), CorruptRecordError, { errorCode: ErrorCode.CORRUPT_MESSAGE }, /runs past/);
  });

  it('refuses to encode what is not a safe integer', () => {
    expect(() => encodeWith(writeVarlong, 2 ** 53)).toThrow(RangeError);
    expect(() => encodeWith(writeVarlong, 1.5)).toThrow(RangeError);
    expect(() => sizeOfVarlong(Number.NaN)).toThrow(RangeError);
  });
});
