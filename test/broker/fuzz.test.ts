import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ALL_MESSAGES } from '../../src/protocol/messages/index.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { seededRandom } from '../record/random.js';
import { startBroker, type TestBroker } from './harness.js';
import { RawClient, requestFrame } from './raw-client.js';

/**
 * Random and mutated frames for every API the broker advertises, thrown at a
 * running broker: each connection is either answered or closed, the broker
 * keeps serving a well-behaved client, and its memory stays bounded.
 */
describe('a running broker under fuzzed requests', () => {
  let b: TestBroker;
  let healthy: RawClient;

  beforeAll(async () => {
    b = await startBroker({ 'auto.create.topics.enable': true });
    healthy = await RawClient.connect(b.port);
    await healthy.request('Metadata', 9, { topics: [{ name: 'healthy' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  });

  afterAll(async () => {
    healthy.close();
    await b.stop();
  });

  it('answers or closes every fuzzed connection, keeps serving others, and stays bounded in memory', async () => {
    const random = seededRandom(20261128);
    const apis = (await healthy.request('ApiVersions', 3, { clientSoftwareName: 'fuzz', clientSoftwareVersion: '1' })).apiKeys as Array<{ apiKey: number; minVersion: number; maxVersion: number }>;
    const requests = new Map(ALL_MESSAGES.filter((m) => m.type === 'request').map((m) => [m.apiKey, m]));
    global.gc?.();
    const before = process.memoryUsage().rss;
    let answered = 0;
    let closed = 0;
    for (let i = 0; i < 400; i++) {
      const api = random.pick(apis);
      const schema = requests.get(api.apiKey)!;
      const version = random.int(api.minVersion, api.maxVersion);
      // A valid request of this API and version with default fields, mutated after its header.
      const name = schema.name.replace(/Request$/, '');
      let frame: Buffer;
      try {
        frame = requestFrame(name, version, {}, i);
      } catch {
        continue;
      }
      const mutated = Buffer.from(frame);
      const headerEnd = Math.min(mutated.length, 14);
      switch (i % 4) {
        case 0:
          // A few bytes of the body overwritten.
          for (let k = 0; k < 4 && mutated.length > headerEnd; k++) mutated[random.int(headerEnd, mutated.length - 1)] = random.int(0, 255);
          frame = mutated;
          break;
        case 1:
          // The header, then random bytes for a body.
          frame = Buffer.concat([mutated.subarray(0, 4), mutated.subarray(4, headerEnd), random.bytes(random.int(0, 200))]);
          frame.writeInt32BE(frame.length - 4, 0);
          break;
        case 2: {
          // Cut short, with a length prefix that agrees.
          const cut = random.int(8, Math.max(8, mutated.length - 4));
          frame = Buffer.concat([mutated.subarray(0, 4), mutated.subarray(4, 4 + cut)]);
          frame.writeInt32BE(frame.length - 4, 0);
          break;
        }
        default:
          // Pure noise, length prefix included.
          frame = random.bytes(random.int(4, 64));
      }
      const client = await RawClient.connect(b.port);
      client.write(frame);
      const reply = await client.nextFrame(1000).catch(() => undefined);
      if (reply === null) closed++;
      else if (reply !== undefined) answered++;
      else {
        // Waiting for the rest of a frame whose length says more is coming: the broker must not have hung.
        closed++;
      }
      client.close();
    }
    expect(answered + closed).toBeGreaterThan(300);
    expect(answered).toBeGreaterThan(0);
    expect(closed).toBeGreaterThan(0);
    // The well-behaved client is still served, produce and fetch included.
    const produced = await healthy.request('Produce', 9, { transactionalId: null, acks: -1, timeoutMs: 5000, topicData: [{ name: 'healthy', partitionData: [{ index: 0, records: buildRecordBatch([{ value: 'still here' }]) }] }] });
    expect(produced.responses[0].partitionResponses[0].errorCode).toBe(0);
    global.gc?.();
    expect(process.memoryUsage().rss - before).toBeLessThan(256 * 1024 * 1024);
  }, 120_000);
});
