import { describe, expect, expectTypeOf, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import {
  ApiVersionsRequest,
  ApiVersionsResponse,
  MetadataResponse,
  ProduceRequest,
  ProduceResponse,
  RequestHeader,
} from '../../src/protocol/messages/index.js';
import { ProtocolError } from '../../src/protocol/protocol-error.js';
import { ProtocolReader } from '../../src/protocol/reader.js';
import { compileMessage } from '../../src/protocol/schema/compile.js';
import type { MessageData, MessageInput } from '../../src/protocol/schema/message-types.js';
import { field, message } from '../../src/protocol/schema/schema.js';
import { ProtocolWriter } from '../../src/protocol/writer.js';
import { expectThrown } from '../errors.js';

const header = compileMessage(RequestHeader);
const request = compileMessage(ApiVersionsRequest);
const response = compileMessage(ApiVersionsResponse);

function encode(codec: { encode(w: ProtocolWriter, v: unknown): void }, value: unknown): Buffer {
  const w = new ProtocolWriter();
  codec.encode(w, value);
  return w.toBuffer();
}

describe('compiled message codecs', () => {
  it('compiles every valid version', () => {
    expect([...response.keys()]).toEqual([0, 1, 2, 3, 4]);
    expect(response.get(2)!.flexible).toBe(false);
    expect(response.get(3)!.flexible).toBe(true);
  });

  it('writes a v2 request header with a classic client id and a tagged section', () => {
    const bytes = encode(header.get(2)!, { requestApiKey: 18, requestApiVersion: 3, correlationId: 7, clientId: 'ab' });
    expect([...bytes]).toEqual([0, 18, 0, 3, 0, 0, 0, 7, 0, 2, 0x61, 0x62, 0]);
  });

  it('lays out a flexible ApiVersions response byte for byte', () => {
    const value = {
      errorCode: 0,
      apiKeys: [{ apiKey: 0, minVersion: 3, maxVersion: 11 }],
      throttleTimeMs: 0,
      finalizedFeaturesEpoch: 5,
    };
    const bytes = encode(response.get(3)!, value);
    expect([...bytes]).toEqual([
      0,
      0, // error code
      2, // compact array of 1
      0,
      0,
      0,
      3,
      0,
      11,
      0, // api key 0: 3..11, empty tagged section
      0,
      0,
      0,
      0, // throttle
      1, // one tagged field (epoch differs from its default -1)
      1,
      8,
      0,
      0,
      0,
      0,
      0,
      0,
      0,
      5,
    ]);
    const decoded = response.get(3)!.decode(new ProtocolReader(bytes));
    expect(decoded).toEqual({ ...value, supportedFeatures: [], finalizedFeatures: [], zkMigrationReady: false });
  });

  it('fills fields a version lacks with their defaults', () => {
    const bytes = encode(response.get(0)!, { errorCode: 35, apiKeys: [] });
    expect(bytes.length).toBe(6);
    const decoded = response.get(0)!.decode(new ProtocolReader(bytes));
    expect(decoded.throttleTimeMs).toBe(0);
    expect(decoded.finalizedFeaturesEpoch).toBe(-1);
  });

  it('round-trips the flexible request with software name and version', () => {
    const value = { clientSoftwareName: 'samsa', clientSoftwareVersion: '0.1.0' };
    const bytes = encode(request.get(3)!, value);
    expect(request.get(3)!.decode(new ProtocolReader(bytes))).toEqual(value);
    // v0 has no fields: the ignorable software fields are dropped.
    expect(encode(request.get(0)!, value).length).toBe(0);
  });

  it('skips tagged fields it does not know', () => {
    // ClientSoftwareName "abcd", ClientSoftwareVersion "1", then one tagged field, tag 42, 1 byte.
    const bytes = Buffer.from([0x05, 0x61, 0x62, 0x63, 0x64, 0x02, 0x31, 0x01, 0x2a, 0x01, 0xff]);
    expect(request.get(3)!.decode(new ProtocolReader(bytes))).toEqual({ clientSoftwareName: 'abcd', clientSoftwareVersion: '1' });
    expect(() => request.get(3)!.decode(new ProtocolReader(bytes.subarray(0, bytes.length - 1)))).toThrow(ProtocolError);
  });

  it('refuses a non-ignorable value a version cannot carry, drops an ignorable one', () => {
    const schema = compileMessage(
      message('TestRequest', 1000, 'request', '0-1', 'none', [field('Kept', 'int32', '1+'), field('Dropped', 'int32', '1+', { ignorable: true })]),
    );
    expectThrown(
      () => encode(schema.get(0)!, { kept: 5 }),
      ProtocolError,
      { errorCode: ErrorCode.INVALID_REQUEST },
      /TestRequest.Kept cannot be sent in TestRequest v0/,
    );
    expect(encode(schema.get(0)!, { kept: 0, dropped: 9 }).length).toBe(0);
    expect([...encode(schema.get(1)!, { kept: 5, dropped: 9 })]).toEqual([0, 0, 0, 5, 0, 0, 0, 9]);
  });
});

// The value types come from the definitions; these checks fail the type-check (npm test runs
// tsc first) as well as the run.
describe('message types derived from definitions', () => {
  it('types a decoded request with every field, null where some version allows it', () => {
    const codec = compileMessage(ProduceRequest).get(9)!;
    const records = Buffer.from([1, 2, 3]);
    const w = new ProtocolWriter();
    codec.encode(w, { transactionalId: null, acks: -1, timeoutMs: 30_000, topicData: [{ name: 't', partitionData: [{ index: 0, records }] }] });
    const decoded = codec.decode(new ProtocolReader(w.toBuffer()));
    expectTypeOf(decoded).toEqualTypeOf<{
      transactionalId: string | null;
      acks: number;
      timeoutMs: number;
      topicData: Array<{ name: string; partitionData: Array<{ index: number; records: Buffer | null }> }>;
    }>();
    expectTypeOf<MessageData<typeof ProduceRequest>>().toEqualTypeOf(decoded);
    expect(decoded.topicData[0]!.partitionData[0]!.records).toEqual(records);
  });

  it('lets an encoder input leave out what the encoder defaults, and refuses unknown names', () => {
    const codec = compileMessage(ProduceResponse, { strict: false }).get(11)!;
    const partition = { index: 0, errorCode: 0, baseOffset: 5 };
    const input: MessageInput<typeof ProduceResponse> = { responses: [{ name: 't', partitionResponses: [partition] }] };
    const w = new ProtocolWriter();
    codec.encode(w, input);
    const decoded = compileMessage(ProduceResponse).get(11)!.decode(new ProtocolReader(w.toBuffer()));
    expect(decoded.responses[0]!.partitionResponses[0]).toMatchObject({ ...partition, logAppendTimeMs: -1, logStartOffset: -1, errorMessage: null });
    expect(decoded.throttleTimeMs).toBe(0);

    const misspelled = new ProtocolWriter();
    // @ts-expect-error throttleTime is not a field of ProduceResponse
    codec.encode(misspelled, { responses: [], throttleTime: 9 });
    expect(compileMessage(ProduceResponse).get(11)!.decode(new ProtocolReader(misspelled.toBuffer())).throttleTimeMs).toBe(0);
  });

  it('requires a nullable field whose null default some version refuses', () => {
    const codec = compileMessage(MetadataResponse, { strict: false }).get(9)!;
    // Topic names are nullable only from v12, so leaving one out fails before it.
    // @ts-expect-error name is required
    expect(() => codec.encode(new ProtocolWriter(), { brokers: [], topics: [{ errorCode: 0, partitions: [] }] })).toThrow(ProtocolError);
    expect(encode(codec, { brokers: [], topics: [{ errorCode: 0, name: 't', partitions: [] }] }).length).toBeGreaterThan(0);
  });
});
