import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { readAllRecords } from '../../storage/record/record.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { Cleanup } from '../cleanup.js';
import { seededRandom } from '../record/random.js';
import { waitFor } from '../wait-for.js';
import { startBroker, type TestBroker } from './harness.js';
import { decodeResponse, fetchBody, RawClient, requestFrame } from './raw-client.js';

// Brokers and connections a test opens are closed when it ends, whatever happened.
const cleanup = new Cleanup();
afterEach(() => cleanup.stopAll());
const connect = async (port: number) => cleanup.add(await RawClient.connect(port), (client) => client.close());
const broker = async (...args: Parameters<typeof startBroker>) => cleanup.add(await startBroker(...args), (b) => b.stop());

const produce = (topic: string, partition: number, records: Buffer | null, acks = -1) => ({
  transactionalId: null,
  acks,
  timeoutMs: 5000,
  topicData: [{ name: topic, partitionData: [{ index: partition, records }] }],
});

function values(records: Buffer | null): string[] {
  if (!records || records.length === 0) return [];
  return validateBatches(Buffer.from(records)).flatMap((b) => readAllRecords(b).map((r) => r.value!.toString()));
}

async function createTopic(client: RawClient, topic: string): Promise<void> {
  const md = await client.request('Metadata', 9, { topics: [{ name: topic }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
  expect(md.topics[0].errorCode).toBe(0);
}

describe('broker wire protocol', () => {
  let b: TestBroker;
  let client: RawClient;

  beforeAll(async () => {
    b = await startBroker({
      'connections.max.idle.ms': 60_000,
      'socket.request.max.bytes': 1 << 20,
      'message.max.bytes': 4096,
      'log.message.timestamp.after.max.ms': 3_600_000,
    });
    client = await RawClient.connect(b.port);
  });

  afterAll(async () => {
    client.close();
    await b.stop();
  });

  it('lists Produce and Fetch from v0 in ApiVersions (librdkafka enables compression only then)', async () => {
    for (const v of [0, 1, 2, 3, 4]) {
      const res = await client.request('ApiVersions', v, { clientSoftwareName: 'test', clientSoftwareVersion: '1' });
      expect(res.errorCode).toBe(0);
      const byKey = new Map(res.apiKeys.map((k: any) => [k.apiKey, k]));
      expect(byKey.get(0)).toMatchObject({ minVersion: 0, maxVersion: 11 });
      expect(byKey.get(1)).toMatchObject({ minVersion: 0, maxVersion: 17 });
      expect(byKey.get(3)).toMatchObject({ minVersion: 0, maxVersion: 12 });
      expect(byKey.get(18)).toMatchObject({ minVersion: 0, maxVersion: 4 });
    }
  });

  it('answers an ApiVersions version it does not know with UNSUPPORTED_VERSION in a v0 body, header v0', async () => {
    const raw = await connect(b.port);
    // v9 does not exist; the client writes it with a v2 header (flexible), the broker answers v0.
    const frame = requestFrame('ApiVersions', 4, { clientSoftwareName: 'x', clientSoftwareVersion: '1' }, 77);
    frame.writeInt16BE(9, 6);
    raw.write(frame);
    const res = decodeResponse('ApiVersions', 0, (await raw.nextFrame())!);
    expect(res.correlationId).toBe(77);
    expect(res.body.errorCode).toBe(ErrorCode.UNSUPPORTED_VERSION);
    expect(res.body.apiKeys.find((k: any) => k.apiKey === 18)).toMatchObject({ minVersion: 0, maxVersion: 4 });
    raw.close();
  });

  it('produces, then fetches the very bytes back, across Produce and Fetch versions', async () => {
    await createTopic(client, 'versions');
    let expected: string[] = [];
    for (const v of [3, 5, 7, 8, 9, 10, 11]) {
      const batch = buildRecordBatch([{ key: 'k', value: `produce-v${v}` }]);
      const res = await client.request('Produce', v, produce('versions', 0, batch));
      const p = res.responses[0].partitionResponses[0];
      expect(p.errorCode).toBe(0);
      expect(p.baseOffset).toBe(expected.length);
      expected = [...expected, `produce-v${v}`];
    }
    const md = await client.request('Metadata', 12, {
      topics: [{ name: 'versions', topicId: Buffer.alloc(16) }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    const topicId = md.topics[0].topicId as Buffer;
    for (const v of [4, 7, 11, 12, 13, 15, 17]) {
      const body = fetchBody('versions', 0);
      if (v >= 13) (body.topics[0] as any).topicId = topicId;
      const res = await client.request('Fetch', v, body);
      const p = res.responses[0].partitions[0];
      expect(p.errorCode).toBe(0);
      expect(p.highWatermark).toBe(expected.length);
      expect(values(p.records)).toEqual(expected);
    }
  });

  it('gives per-partition errors: unknown partition, bad acks, corrupt batch, too large, bad timestamp', async () => {
    await createTopic(client, 'errors');
    const ok = buildRecordBatch([{ value: 'fine' }]);
    const unknown = await client.request('Produce', 9, produce('errors', 5, ok));
    expect(unknown.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const acks = await client.request('Produce', 9, produce('errors', 0, ok, 2));
    expect(acks.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_REQUIRED_ACKS);
    const corrupt = Buffer.from(ok);
    corrupt[corrupt.length - 1]! ^= 0xff;
    const bad = await client.request('Produce', 9, produce('errors', 0, corrupt));
    expect(bad.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const big = buildRecordBatch([{ value: Buffer.alloc(8000, 1) }]);
    const tooLarge = await client.request('Produce', 9, produce('errors', 0, big));
    expect(tooLarge.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.MESSAGE_TOO_LARGE);
    const future = buildRecordBatch([{ value: 'from the future', timestamp: Date.now() + 24 * 3600_000 }]);
    const ts = await client.request('Produce', 9, produce('errors', 0, future));
    expect(ts.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.INVALID_TIMESTAMP);
    // None of the refused batches were stored.
    const fetched = await client.request('Fetch', 11, fetchBody('errors', 0));
    expect(fetched.responses[0].partitions[0].highWatermark).toBe(0);
    const good = await client.request('Produce', 9, produce('errors', 0, ok));
    expect(good.responses[0].partitionResponses[0]).toMatchObject({ errorCode: 0, baseOffset: 0 });
  });

  it('answers pipelined requests in order, and sends nothing for acks=0', async () => {
    await createTopic(client, 'pipeline');
    const raw = await connect(b.port);
    const frames: Buffer[] = [];
    for (let i = 1; i <= 50; i++) {
      const acks = i % 10 === 0 ? 0 : 1;
      frames.push(requestFrame('Produce', 7, produce('pipeline', 0, buildRecordBatch([{ value: `m${i}` }]), acks), i));
    }
    raw.write(Buffer.concat(frames));
    const ids: number[] = [];
    for (let i = 0; i < 45; i++) ids.push(decodeResponse('Produce', 7, (await raw.nextFrame())!).correlationId);
    expect(ids).toEqual(Array.from({ length: 50 }, (_, i) => i + 1).filter((i) => i % 10 !== 0));
    const fetched = await raw.request('Fetch', 11, fetchBody('pipeline', 0));
    expect(values(fetched.responses[0].partitions[0].records)).toEqual(Array.from({ length: 50 }, (_, i) => `m${i + 1}`));
    raw.close();
  });

  it('holds a fetch until an append brings min_bytes, and returns empty when max_wait_ms passes', async () => {
    await createTopic(client, 'delayed');
    const waiting = await connect(b.port);
    const pending = waiting.request('Fetch', 11, fetchBody('delayed', 0, { maxWaitMs: 30_000, minBytes: 1 }));
    let answered = false;
    void pending.then(() => (answered = true));
    await waitFor(() => b.broker.context.replicas.fetchPurgatorySize === 1, 'the fetch to wait in the purgatory');
    expect(answered).toBe(false);
    await client.request('Produce', 9, produce('delayed', 0, buildRecordBatch([{ value: 'wake up' }])));
    const res = await pending;
    expect(values(res.responses[0].partitions[0].records)).toEqual(['wake up']);
    const empty = await waiting.request('Fetch', 11, fetchBody('delayed', 1, { maxWaitMs: 100, minBytes: 1 }));
    expect(empty.responses[0].partitions[0].records.length).toBe(0);
    expect(empty.responses[0].partitions[0].highWatermark).toBe(1);
    waiting.close();
  });

  it('returns OFFSET_OUT_OF_RANGE past the log end, with the log bounds', async () => {
    await createTopic(client, 'range');
    await client.request('Produce', 9, produce('range', 0, buildRecordBatch([{ value: 'a' }, { value: 'b' }])));
    const res = await client.request('Fetch', 11, fetchBody('range', 99));
    expect(res.responses[0].partitions[0]).toMatchObject({ errorCode: ErrorCode.OFFSET_OUT_OF_RANGE, highWatermark: 2, logStartOffset: 0 });
  });

  it('keeps an incremental fetch session (KIP-227): later responses carry only partitions with news', async () => {
    await createTopic(client, 'session-a');
    await createTopic(client, 'session-b');
    await client.request('Produce', 9, produce('session-a', 0, buildRecordBatch([{ value: 'a0' }])));
    const both = (offsetA: number, offsetB: number) => [
      { topic: 'session-a', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offsetA, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] },
      { topic: 'session-b', partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offsetB, logStartOffset: -1, partitionMaxBytes: 1 << 20 }] },
    ];
    const full = await client.request('Fetch', 11, fetchBody('x', 0, { sessionId: 0, sessionEpoch: 0, topics: both(0, 0) }));
    expect(full.errorCode).toBe(0);
    expect(full.sessionId).toBeGreaterThan(0);
    expect(full.responses.map((t: any) => t.topic)).toEqual(['session-a', 'session-b']);
    // Epoch 1: the client moved session-a to offset 1; nothing changed anywhere, so nothing comes back.
    const quiet = await client.request('Fetch', 11, fetchBody('x', 0, { sessionId: full.sessionId, sessionEpoch: 1, topics: both(1, 0).slice(0, 1) }));
    expect(quiet.errorCode).toBe(0);
    expect(quiet.responses).toEqual([]);
    await client.request('Produce', 9, produce('session-b', 0, buildRecordBatch([{ value: 'b0' }])));
    const news = await client.request('Fetch', 11, fetchBody('x', 0, { sessionId: full.sessionId, sessionEpoch: 2, topics: [] }));
    expect(news.responses.map((t: any) => t.topic)).toEqual(['session-b']);
    expect(values(news.responses[0].partitions[0].records)).toEqual(['b0']);
    const stale = await client.request('Fetch', 11, fetchBody('x', 0, { sessionId: full.sessionId, sessionEpoch: 2, topics: [] }));
    expect(stale.errorCode).toBe(ErrorCode.INVALID_FETCH_SESSION_EPOCH);
    const unknown = await client.request('Fetch', 11, fetchBody('x', 0, { sessionId: 123456, sessionEpoch: 1, topics: [] }));
    expect(unknown.errorCode).toBe(ErrorCode.FETCH_SESSION_ID_NOT_FOUND);
  });

  it('lists offsets: earliest, latest, by timestamp and the largest timestamp', async () => {
    await createTopic(client, 'times');
    const t0 = Date.now() - 10_000;
    await client.request(
      'Produce',
      9,
      produce(
        'times',
        0,
        buildRecordBatch([
          { value: 'a', timestamp: t0 },
          { value: 'b', timestamp: t0 + 5000 },
          { value: 'c', timestamp: t0 + 1000 },
        ]),
      ),
    );
    const ask = async (timestamp: number) => {
      const res = await client.request('ListOffsets', 7, {
        replicaId: -1,
        isolationLevel: 0,
        topics: [{ name: 'times', partitions: [{ partitionIndex: 0, currentLeaderEpoch: -1, timestamp }] }],
      });
      return res.topics[0].partitions[0];
    };
    expect(await ask(-2)).toMatchObject({ errorCode: 0, offset: 0 });
    expect(await ask(-1)).toMatchObject({ errorCode: 0, offset: 3 });
    expect(await ask(t0 + 500)).toMatchObject({ errorCode: 0, offset: 1, timestamp: t0 + 5000 });
    expect(await ask(t0 + 6000)).toMatchObject({ errorCode: 0, offset: -1 });
    expect(await ask(-3)).toMatchObject({ errorCode: 0, offset: 1, timestamp: t0 + 5000 });
  });

  it('creates a topic on Metadata only when auto-creation is allowed, and refuses bad names', async () => {
    const no = await client.request('Metadata', 9, {
      topics: [{ name: 'not-created' }],
      allowAutoTopicCreation: false,
      includeTopicAuthorizedOperations: false,
    });
    expect(no.topics[0].errorCode).toBe(ErrorCode.UNKNOWN_TOPIC_OR_PARTITION);
    const bad = await client.request('Metadata', 9, { topics: [{ name: 'bad/name' }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
    expect(bad.topics[0].errorCode).toBe(ErrorCode.INVALID_TOPIC_EXCEPTION);
    const yes = await client.request('Metadata', 1, { topics: [{ name: 'created' }] });
    expect(yes.topics[0]).toMatchObject({ errorCode: 0, name: 'created' });
    expect(yes.topics[0].partitions[0]).toMatchObject({ leaderId: 0, replicaNodes: [0], isrNodes: [0] });
    expect(yes.brokers).toEqual([{ nodeId: 0, host: '127.0.0.1', port: b.port, rack: null }]);
  });

  it('closes a connection that sends garbage or an oversized frame, and keeps serving the others', async () => {
    const random = seededRandom(221);
    for (let i = 0; i < 30; i++) {
      const raw = await connect(b.port);
      // A valid Produce v9 header followed by random body bytes.
      const frame = requestFrame('Produce', 9, produce('fuzz', 0, null), 1);
      const body = Buffer.concat([frame.subarray(4, 4 + 18), random.bytes(1 + ((i * 7) % 60))]);
      const size = Buffer.alloc(4);
      size.writeInt32BE(body.length);
      raw.write(Buffer.concat([size, body]));
      const reply = await raw.nextFrame(5000).catch(() => 'timeout');
      // Either a well-formed response (the random bytes happened to parse) or a closed connection.
      if (reply !== null && reply !== 'timeout') expect(decodeResponse('Produce', 9, reply as Buffer).correlationId).toBe(1);
      raw.close();
    }
    const huge = await connect(b.port);
    const size = Buffer.alloc(4);
    size.writeInt32BE(2 ** 31 - 1);
    huge.write(size);
    await huge.waitClosed();
    const unknownApi = await connect(b.port);
    const frame = requestFrame('Metadata', 9, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false }, 1);
    frame.writeInt16BE(9999, 4);
    unknownApi.write(frame);
    await unknownApi.waitClosed();
    // The broker still answers everyone else.
    const md = await client.request('Metadata', 9, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(md.brokers.length).toBe(1);
  });
});

describe('broker lifecycle', () => {
  it('closes idle connections after connections.max.idle.ms', async () => {
    const b = await broker({ 'connections.max.idle.ms': 150 });
    const raw = await connect(b.port);
    await raw.request('ApiVersions', 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    await raw.waitClosed(); // by the broker: the client never closes it
    await b.stop();
  });

  it('answers a waiting fetch at shutdown, and keeps topics and data across restarts', async () => {
    let b = await broker();
    const c = await connect(b.port);
    await createTopic(c, 'durable');
    await c.request('Produce', 9, produce('durable', 0, buildRecordBatch([{ value: 'kept' }])));
    const pending = c.request('Fetch', 11, fetchBody('durable', 1, { maxWaitMs: 60_000, minBytes: 1 }));
    await waitFor(() => b.broker.context.replicas.fetchPurgatorySize === 1, 'the fetch to wait in the purgatory');
    const stopped = b.broker.stop();
    const res = await pending;
    expect(res.responses[0].partitions[0]).toMatchObject({ errorCode: 0, highWatermark: 1 });
    await stopped;
    c.close();
    b = await broker({}, b.dir);
    const again = await connect(b.port);
    const md = await again.request('Metadata', 9, { topics: null, allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
    expect(md.topics.map((t: any) => t.name)).toEqual(['durable']);
    const fetched = await again.request('Fetch', 11, fetchBody('durable', 0));
    expect(values(fetched.responses[0].partitions[0].records)).toEqual(['kept']);
    again.close();
    await b.stop();
  });
});

describe('broker shutdown with busy clients', () => {
  it('stops even when a client keeps sending while the broker stops', async () => {
    const b = await broker();
    const c = await connect(b.port);
    await c.request('ApiVersions', 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' });
    const stopping = b.broker.stop();
    // Requests sent after the stop began are dropped, not answered, and do not hold the stop.
    for (let i = 0; i < 20; i++) c.write(requestFrame('ApiVersions', 3, { clientSoftwareName: 't', clientSoftwareVersion: '1' }, 100 + i));
    await stopping;
    await c.waitClosed();
    c.close();
    await b.stop();
  });
});

describe('topic configs reach new logs', () => {
  it("creates a topic's first segment with its own segment.index.bytes", async () => {
    const b = await broker({ 'num.partitions': 1 });
    try {
      const c = await connect(b.port);
      const res = await c.request('CreateTopics', 5, {
        topics: [{ name: 'small-index', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [{ name: 'segment.index.bytes', value: '4096' }] }],
        timeoutMs: 5000,
        validateOnly: false,
      });
      expect(res.topics[0].errorCode).toBe(0);
      const log = b.broker.context.replicas.getPartition('small-index', 0)!.log;
      expect(log.config.segmentIndexBytes).toBe(4096);
      // 4096 bytes hold 512 offset index entries: the 513th rolls the segment.
      for (let i = 0; i < 520; i++) {
        const big = buildRecordBatch([{ value: Buffer.alloc(4100, 1) }]);
        expect((await c.request('Produce', 9, produce('small-index', 0, big))).responses[0].partitionResponses[0].errorCode).toBe(0);
      }
      expect(log.segmentCount).toBeGreaterThan(1);
      c.close();
    } finally {
      await b.stop();
    }
  });
});
