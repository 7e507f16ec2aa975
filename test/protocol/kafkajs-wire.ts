import { createRequire } from 'node:module';
import { expect } from 'vitest';
import { ProtocolReader } from '../../src/protocol/reader.js';
import { compileMessage } from '../../src/protocol/schema/compile.js';
import type { MessageSchema } from '../../src/protocol/schema/schema.js';
import { ProtocolWriter } from '../../src/protocol/writer.js';

// KafkaJS is a real client: bodies its request encoders write must decode with our
// definitions and re-encode to the same bytes; bodies our response encoders write
// must decode with its response decoders. These are the helpers both suites use.
const require = createRequire(import.meta.url);

/** KafkaJS's request encoder of `api` version `v` (its folder names: produce, joinGroup…). */
export const requests = (api: string, v: number) => require(`kafkajs/src/protocol/requests/${api}/v${v}/request.js`);
/** KafkaJS's response decoder of `api` version `v`. */
export const responses = (api: string, v: number) => require(`kafkajs/src/protocol/requests/${api}/v${v}/response.js`);

export async function kafkajsBody(request: { encode(): Promise<{ buffer: Buffer }> }): Promise<Buffer> {
  return Buffer.from((await request.encode()).buffer);
}

/** Decodes with our definition, checks nothing is left over and that re-encoding gives the same bytes. */
export function roundTrip(schema: MessageSchema, version: number, bytes: Buffer): Record<string, any> {
  const codec = compileMessage(schema).get(version)!;
  const reader = new ProtocolReader(bytes);
  const value = codec.decode(reader);
  expect(reader.remaining).toBe(0);
  const w = new ProtocolWriter();
  codec.encode(w, value);
  expect(w.toBuffer().equals(bytes)).toBe(true);
  return value;
}

export function encode(schema: MessageSchema, version: number, value: Record<string, unknown>): Buffer {
  const w = new ProtocolWriter();
  compileMessage(schema).get(version)!.encode(w, value);
  return w.toBuffer();
}
