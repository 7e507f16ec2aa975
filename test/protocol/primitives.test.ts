import { describe, expect, it } from 'vitest';
import { ProtocolError } from '../../src/protocol/protocol-error.js';
import { ProtocolReader } from '../../src/protocol/reader.js';
import { ProtocolWriter } from '../../src/protocol/writer.js';
import { seededRandom } from '../record/random.js';

function readerOf(w: ProtocolWriter): ProtocolReader {
  return new ProtocolReader(w.toBuffer());
}

describe('protocol primitives', () => {
  it('round-trips fixed-width integers at their limits', () => {
    const w = new ProtocolWriter(8);
    w.int8(-128).int8(127).int16(-32768).int16(32767).uint16(65535).int32(-2147483648).int32(2147483647).uint32(4294967295);
    w.int64(-1).int64(Number.MAX_SAFE_INTEGER).int64(-Number.MAX_SAFE_INTEGER).int64(9223372036854775807n).float64(0.5).bool(true);
    const r = readerOf(w);
    expect([r.int8(), r.int8(), r.int16(), r.int16(), r.uint16(), r.int32(), r.int32(), r.uint32()]).toEqual([
      -128, 127, -32768, 32767, 65535, -2147483648, 2147483647, 4294967295,
    ]);
    expect([r.int64(), r.int64(), r.int64(), r.bigInt64(), r.float64(), r.bool()]).toEqual([
      -1,
      Number.MAX_SAFE_INTEGER,
      -Number.MAX_SAFE_INTEGER,
      9223372036854775807n,
      0.5,
      true,
    ]);
    expect(r.remaining).toBe(0);
  });

  it('encodes varints exactly as Kafka does', () => {
    // Zigzag: 0→0, -1→1, 1→2, -64→127, 64→128 (two bytes 0x80 0x01).
    const w = new ProtocolWriter();
    for (const v of [0, -1, 1, -64, 64]) w.varint(v);
    expect([...w.toBuffer()]).toEqual([0x00, 0x01, 0x02, 0x7f, 0x80, 0x01]);
    const uv = new ProtocolWriter().uvarint(300).uvarint(0xffffffff).toBuffer();
    expect([...uv]).toEqual([0xac, 0x02, 0xff, 0xff, 0xff, 0xff, 0x0f]);
  });

  it('round-trips random varints and varlongs', () => {
    const values = [0, 1, -1, 2147483647, -2147483648];
    const longs = [0, -1, 1, Number.MAX_SAFE_INTEGER, -Number.MAX_SAFE_INTEGER, 1700000000000];
    const random = seededRandom(34);
    for (let i = 0; i < 500; i++) {
      values.push((random.next() * 2 ** 32 - 2 ** 31) | 0);
      longs.push(Math.round((random.next() - 0.5) * 2 ** 52));
    }
    const w = new ProtocolWriter();
    for (const v of values) w.varint(v);
    for (const v of longs) w.varlong(v);
    const r = readerOf(w);
    expect(values.map(() => r.varint())).toEqual(values);
    expect(longs.map(() => r.varlong())).toEqual(longs);
  });

  it('round-trips strings and bytes in classic and compact forms', () => {
    const big = Buffer.alloc(5000, 7);
    const w = new ProtocolWriter(16);
    w.string('topic-ä').nullableString(null).compactString('').compactNullableString(null).compactString('x'.repeat(300));
    w.bytes(Buffer.from([1, 2]))
      .nullableBytes(null)
      .compactBytes(big)
      .compactNullableBytes(null);
    w.uuid(Buffer.alloc(16, 9)).arrayLength(3).compactArrayLength(null);
    const r = readerOf(w);
    expect(r.string()).toBe('topic-ä');
    expect(r.nullableString()).toBeNull();
    expect(r.compactString()).toBe('');
    expect(r.compactNullableString()).toBeNull();
    expect(r.compactString()).toBe('x'.repeat(300));
    expect([...r.bytes()]).toEqual([1, 2]);
    expect(r.nullableBytes()).toBeNull();
    expect(r.compactBytes().equals(big)).toBe(true);
    expect(r.compactNullableBytes()).toBeNull();
    expect([...r.uuid()]).toEqual(Array(16).fill(9));
  });

  it('passes large byte fields through by reference', () => {
    const records = Buffer.alloc(64 * 1024, 1);
    const w = new ProtocolWriter().int32(1).bytes(records).int16(2);
    expect(w.chunks().some((c) => c === records)).toBe(true);
    expect(w.length).toBe(4 + 4 + records.length + 2);
  });

  it('skips unknown tagged fields and hands known ones over', () => {
    const body = new ProtocolWriter().compactString('hello');
    const other = new ProtocolWriter().int32(5);
    const w = new ProtocolWriter()
      .taggedFields([
        [0, body],
        [7, other],
      ])
      .int8(99);
    const r = readerOf(w);
    const seen: Array<[number, string | number]> = [];
    r.taggedFields((tag, field) => {
      if (tag === 0) seen.push([tag, field.compactString()]);
    });
    expect(seen).toEqual([[0, 'hello']]);
    expect(r.int8()).toBe(99);
  });

  describe('never trusts a length', () => {
    const cases: Array<[string, number[], (r: ProtocolReader) => unknown]> = [
      ['a 2 GiB bytes length', [0x7f, 0xff, 0xff, 0xff, 1, 2], (r) => r.bytes()],
      ['a 2^31-1 array count', [0x7f, 0xff, 0xff, 0xff], (r) => r.arrayLength()],
      ['a huge compact array count', [0xff, 0xff, 0xff, 0xff, 0x07], (r) => r.compactArrayLength()],
      ['a string past the end', [0x00, 0x10, 0x41], (r) => r.string()],
      ['a negative string length', [0xff, 0xfe], (r) => r.string()],
      ['a negative bytes length', [0xff, 0xff, 0xff, 0xfe], (r) => r.nullableBytes()],
      ['a 6-byte varint', [0x80, 0x80, 0x80, 0x80, 0x80, 0x01], (r) => r.uvarint()],
      ['a varint cut short', [0x80, 0x80], (r) => r.varint()],
      ['an int64 beyond 2^53', [0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff], (r) => r.int64()],
      ['a huge tagged field count', [0xff, 0xff, 0x03], (r) => r.taggedFields()],
      ['a tagged field larger than the frame', [0x01, 0x00, 0x7f], (r) => r.taggedFields()],
      ['tagged fields out of order', [0x02, 0x05, 0x00, 0x01, 0x00], (r) => r.taggedFields()],
      ['an int32 in 3 bytes', [1, 2, 3], (r) => r.int32()],
    ];
    it.each(cases)('%s → ProtocolError', (_name, bytes, read) => {
      expect(() => read(new ProtocolReader(Buffer.from(bytes)))).toThrow(ProtocolError);
    });
  });
});
