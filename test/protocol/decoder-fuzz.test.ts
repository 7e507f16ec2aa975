import { describe, expect, it } from 'vitest';
import { ALL_MESSAGES } from '../../src/protocol/messages/index.js';
import { ProtocolError } from '../../src/protocol/protocol-error.js';
import { ProtocolReader } from '../../src/protocol/reader.js';
import { compileMessage, type VersionCodec } from '../../src/protocol/schema/compile.js';
import type { FieldSchema, FieldType, PrimitiveType } from '../../src/protocol/schema/schema.js';
import { inRange } from '../../src/protocol/schema/versions.js';
import { ProtocolWriter } from '../../src/protocol/writer.js';
import { type Random, seededRandom } from '../record/random.js';

// Every request and response decoder, every version, fed a message with every
// field of the version filled in (nested structs, arrays of one to three
// items, tagged fields, now and then a null where the version allows one),
// then mutations of its encoding. A decoder either returns a value or throws
// ProtocolError; what it returns encodes again and decodes to the same value.

const STRINGS = ['', 'orders', 'kafka-é-ü', 'group/1', 'x'.repeat(40), '日本'];

function primitive(type: PrimitiveType, random: Random): unknown {
  switch (type) {
    case 'int8':
      return random.int(-128, 127);
    case 'int16':
      return random.int(-32768, 32767);
    case 'uint16':
      return random.int(0, 65535);
    case 'int32':
      return random.int(-(2 ** 31), 2 ** 31 - 1);
    case 'uint32':
      return random.int(0, 2 ** 32 - 1);
    case 'int64':
      return random.int(-(2 ** 53) + 1, 2 ** 53 - 1);
    case 'float64':
      return (random.next() - 0.5) * 1e9;
    case 'bool':
      return random.next() < 0.5;
    case 'uuid':
      return random.bytes(16);
    case 'string':
      return random.pick(STRINGS);
    case 'bytes':
    case 'records':
      return random.bytes(random.int(0, 24));
  }
}

function valueFor(type: FieldType, nullable: boolean, version: number, random: Random): unknown {
  if (nullable && random.next() < 0.1) return null;
  if (typeof type === 'string') return primitive(type, random);
  if (type.kind === 'struct') return populated(type.fields, version, random);
  return Array.from({ length: random.int(1, 3) }, () =>
    typeof type.items === 'string' ? primitive(type.items, random) : populated(type.items.fields, version, random),
  );
}

/** A value for `fields` with every field the version carries set. */
function populated(fields: readonly FieldSchema[], version: number, random: Random): Record<string, unknown> {
  const value: Record<string, unknown> = {};
  for (const field of fields) {
    if (inRange(field.versions, version)) value[field.property] = valueFor(field.type, inRange(field.nullableVersions, version), version, random);
  }
  return value;
}

function encode(codec: VersionCodec, value: unknown): Buffer {
  const w = new ProtocolWriter();
  codec.encode(w, value as Record<string, unknown>); // generated values of the definition's shape
  return w.toBuffer();
}

/** Decodes `bytes`: a value, or 'rejected' for a ProtocolError; anything else (a RangeError, a TypeError, a huge allocation) fails the test. */
function decodeOrReject(codec: VersionCodec, bytes: Buffer, what: string): { value: unknown } | 'rejected' {
  try {
    return { value: codec.decode(new ProtocolReader(bytes)) };
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw new Error(`${what}: ${(e as Error).stack} for ${bytes.toString('hex').slice(0, 200)}`);
    return 'rejected';
  }
}

describe('request and response decoders under populated, mutated and random input', () => {
  const messages = ALL_MESSAGES.filter((m) => m.type === 'request' || m.type === 'response');

  it.each(messages.map((m) => [m.name, m] as const))(
    '%s: round-trips populated messages; never fails with anything but ProtocolError; re-encodes what it decodes',
    (_name, schema) => {
      const random = seededRandom(schema.apiKey * 7919 + (schema.type === 'request' ? 1 : 2));
      const counts = { ok: 0, rejected: 0 };
      for (const [version, codec] of compileMessage(schema)) {
        const what = `${schema.name} v${version}`;
        const value = populated(schema.fields, version, random);
        const valid = encode(codec, value);
        const reader = new ProtocolReader(valid);
        const decoded = codec.decode(reader);
        expect(reader.remaining, what).toBe(0);
        expect(decoded, what).toMatchObject(value);
        expect(encode(codec, decoded).equals(valid), `${what} encodes its decoding byte for byte`).toBe(true);

        for (let i = 0; i < 60; i++) {
          let bytes: Buffer = Buffer.from(valid);
          const mutation = i % 4;
          if (mutation === 0 && bytes.length > 0) {
            for (let k = 0; k < 3; k++) bytes[random.int(0, bytes.length - 1)] = random.int(0, 255);
          } else if (mutation === 1) {
            // A huge length or count written over a random position.
            bytes = Buffer.concat([bytes, Buffer.alloc(4)]);
            bytes.writeInt32BE(random.pick([0x7fffffff, -2, 0x3fffffff, 65536]), random.int(0, bytes.length - 4));
          } else if (mutation === 2) {
            bytes = bytes.subarray(0, random.int(0, Math.max(0, bytes.length - 1)));
          } else {
            bytes = random.bytes(random.int(0, 64));
          }
          const outcome = decodeOrReject(codec, bytes, what);
          if (outcome === 'rejected') {
            counts.rejected++;
            continue;
          }
          counts.ok++;
          const again = decodeOrReject(codec, encode(codec, outcome.value), `${what} re-encoded`);
          expect(again, `${what}: decode → encode → decode of ${bytes.toString('hex').slice(0, 200)}`).toEqual({ value: outcome.value });
        }
      }
      // The fuzz reached both outcomes, so it exercises the decoders rather than bouncing off them.
      expect(counts.ok).toBeGreaterThan(0);
      expect(counts.rejected).toBeGreaterThan(0);
    },
  );
});
