import { describe, expect, it } from 'vitest';
import { ALL_MESSAGES } from '../../src/protocol/messages/index.js';
import { ProtocolError } from '../../src/protocol/protocol-error.js';
import { ProtocolReader } from '../../src/protocol/reader.js';
import { compileMessage, type VersionCodec } from '../../src/protocol/schema/compile.js';
import { ProtocolWriter } from '../../src/protocol/writer.js';
import { Random } from '../record/random.js';

/** Decodes `bytes`; anything but success or a ProtocolError (a RangeError, a TypeError, a huge allocation) fails the test. */
function decodeOrReject(codec: VersionCodec, bytes: Buffer, what: string): 'ok' | 'rejected' {
  try {
    codec.decode(new ProtocolReader(bytes));
    return 'ok';
  } catch (e) {
    if (!(e instanceof ProtocolError)) throw new Error(`${what}: ${(e as Error).stack} for ${bytes.toString('hex').slice(0, 200)}`);
    return 'rejected';
  }
}

describe('request decoders under random and mutated input', () => {
  const requests = ALL_MESSAGES.filter((m) => m.type === 'request');

  it.each(requests.map((m) => [m.name, m] as const))('%s never fails with anything but ProtocolError', (_name, schema) => {
    const random = new Random(schema.apiKey * 7919 + 1);
    const counts = { ok: 0, rejected: 0 };
    for (const [version, codec] of compileMessage(schema)) {
      const what = `${schema.name} v${version}`;
      // A valid encoding of the defaults, then mutations of it.
      const w = new ProtocolWriter();
      codec.encode(w, {});
      const valid = w.toBuffer();
      expect(decodeOrReject(codec, valid, what)).toBe('ok');
      for (let i = 0; i < 60; i++) {
        const bytes = Buffer.from(valid);
        const mutation = i % 4;
        if (mutation === 0 && bytes.length > 0) {
          for (let k = 0; k < 3; k++) bytes[random.int(0, bytes.length - 1)] = random.int(0, 255);
          counts[decodeOrReject(codec, bytes, what)]++;
        } else if (mutation === 1) {
          // A huge length or count written over a random position.
          const big = Buffer.concat([bytes, Buffer.alloc(4)]);
          big.writeInt32BE(random.pick([0x7fffffff, -2, 0x3fffffff, 65536]), random.int(0, bytes.length));
          counts[decodeOrReject(codec, big, what)]++;
        } else if (mutation === 2) {
          counts[decodeOrReject(codec, bytes.subarray(0, random.int(0, Math.max(0, bytes.length - 1))), what)]++;
        } else {
          counts[decodeOrReject(codec, random.bytes(random.int(0, 64)), what)]++;
        }
      }
    }
    // The fuzz reached both outcomes overall, so it is exercising the decoders rather than bouncing off.
    expect(counts.rejected).toBeGreaterThan(0);
  });
});
