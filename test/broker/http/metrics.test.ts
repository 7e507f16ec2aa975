import { readdirSync, statSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Broker } from '../../../src/broker/broker.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { ConfigError } from '../../../storage/config/config-error.js';
import { expectRejected } from '../../errors.js';
import { goodBatch } from '../../record/bad-batches.js';
import { startBroker } from '../harness.js';
import { fetchBody, RawClient } from '../raw-client.js';
import { COMMITTED, GROUP, type HttpScenario, PRODUCED, startHttpScenario, TOPIC } from './http-fixture.js';
import { type Exposition, parseExposition } from './prometheus-parser.js';

/**
 * /metrics on a broker's HTTP listener, parsed strictly and checked against
 * what the test did: records and bytes produced (the bytes against the
 * segment files on disk), log end offsets, a partial consume's lag, a
 * fetch's bytes out, failed produces and fetches.
 */
describe('the HTTP listener: /metrics and /health', () => {
  let s: HttpScenario;
  let raw: RawClient;

  beforeAll(async () => {
    s = await startHttpScenario();
    raw = await RawClient.connect(s.broker.port);
  });

  afterAll(async () => {
    raw?.socket.destroy();
    await s?.close();
  });

  async function scrape(): Promise<Exposition> {
    const res = await fetch(`${s.http}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/plain; version=0.0.4; charset=utf-8');
    return parseExposition(await res.text());
  }

  /** Bytes of the partition's segment files, as stored. */
  function segmentBytes(partition: number): number {
    const dir = join(s.broker.dir, `${TOPIC}-${partition}`);
    return readdirSync(dir)
      .filter((f) => f.endsWith('.log'))
      .reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  }

  it('counts the records and bytes produced, and shows each partition log end offset and size', async () => {
    const m = await scrape();
    const total = PRODUCED[0]! + PRODUCED[1]!;
    expect(m.value('kafka_server_brokertopicmetrics_messagesin_total', { topic: TOPIC })).toBe(total);
    const stored = segmentBytes(0) + segmentBytes(1);
    expect(stored).toBeGreaterThan(total * 100);
    expect(m.value('kafka_server_brokertopicmetrics_bytesin_total', { topic: TOPIC })).toBe(stored);
    for (const partition of [0, 1]) {
      expect(m.value('kafka_log_log_logendoffset', { topic: TOPIC, partition })).toBe(PRODUCED[partition]);
      expect(m.value('kafka_topic_partition_current_offset', { topic: TOPIC, partition })).toBe(PRODUCED[partition]);
      expect(m.value('kafka_log_log_logstartoffset', { topic: TOPIC, partition })).toBe(0);
      expect(m.value('kafka_log_log_size', { topic: TOPIC, partition })).toBe(segmentBytes(partition));
      expect(m.value('kafka_cluster_partition_underreplicated', { topic: TOPIC, partition })).toBe(0);
    }
    // Every topic together: the series without a topic label (only this topic had producers).
    expect(m.value('kafka_server_brokertopicmetrics_messagesin_total')).toBe(total);
    expect(m.family('kafka_server_brokertopicmetrics_messagesin_total').type).toBe('counter');
    const hosted = [...s.broker.broker.context.replicas.allPartitions()].length;
    expect(m.value('kafka_server_replicamanager_partitioncount')).toBe(hosted);
    expect(m.value('kafka_server_replicamanager_leadercount')).toBe(hosted);
    expect(m.value('kafka_server_replicamanager_underreplicatedpartitions')).toBe(0);
    expect(m.value('kafka_controller_kafkacontroller_offlinepartitionscount')).toBe(0);
    expect(m.value('kafka_controller_kafkacontroller_activecontrollercount')).toBe(1);
    expect(m.value('kafka_brokers')).toBe(1);
  });

  it("shows the group's committed offsets, lag per partition and members after a partial consume", async () => {
    const m = await scrape();
    for (const partition of [0, 1]) {
      const labels = { consumergroup: GROUP, topic: TOPIC, partition };
      expect(m.value('kafka_consumergroup_current_offset', labels)).toBe(COMMITTED[partition]);
      expect(m.value('kafka_consumergroup_lag', labels)).toBe(PRODUCED[partition]! - COMMITTED[partition]!);
    }
    expect(m.value('kafka_consumergroup_lag_sum', { consumergroup: GROUP, topic: TOPIC })).toBe(PRODUCED[0]! - COMMITTED[0]!);
    expect(m.value('kafka_consumergroup_members', { consumergroup: GROUP })).toBe(1);
    expect(m.value('samsa_consumergroup_lag_unknown_partitions', { consumergroup: GROUP })).toBe(0);
    expect(m.family('kafka_consumergroup_lag').type).toBe('gauge');
  });

  it("counts a fetch's bytes out, and a failed produce and a failed fetch per topic", async () => {
    const before = await scrape();
    const fetched = await raw.request('Fetch', 11, fetchBody(TOPIC, 0));
    const part = fetched.responses[0].partitions[0];
    expect(part.errorCode).toBe(ErrorCode.NONE);
    expect(part.records.length).toBeGreaterThan(0);

    const corrupt = Buffer.from(goodBatch('corrupt'));
    corrupt[corrupt.length - 1]! ^= 0xff; // the CRC no longer matches
    const produced = await raw.request('Produce', 9, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 5000,
      topicData: [{ name: TOPIC, partitionData: [{ index: 1, records: corrupt }] }],
    });
    expect(produced.responses[0].partitionResponses[0].errorCode).toBe(ErrorCode.CORRUPT_MESSAGE);
    const outOfRange = await raw.request('Fetch', 11, fetchBody(TOPIC, 1_000_000));
    expect(outOfRange.responses[0].partitions[0].errorCode).toBe(ErrorCode.OFFSET_OUT_OF_RANGE);

    const after = await scrape();
    const delta = (name: string, labels: Record<string, string> = { topic: TOPIC }) => after.value(name, labels) - before.value(name, labels);
    // The group's member is at the log end: its long polls carry no bytes, so the raw fetch is all that went out.
    expect(delta('kafka_server_brokertopicmetrics_bytesout_total')).toBe(part.records.length);
    expect(delta('kafka_server_brokertopicmetrics_failedproducerequests_total')).toBe(1);
    expect(delta('kafka_server_brokertopicmetrics_failedfetchrequests_total')).toBe(1);
    expect(delta('kafka_server_brokertopicmetrics_messagesin_total')).toBe(0);
    expect(delta('kafka_server_brokertopicmetrics_bytesin_total')).toBe(0);
    expect(after.value('kafka_server_brokertopicmetrics_bytesout_total', { topic: TOPIC })).toBeGreaterThanOrEqual(segmentBytes(0) + segmentBytes(1));
    expect(after.value('kafka_server_brokertopicmetrics_replicationbytesout_total', { topic: TOPIC })).toBe(0);
  });

  it('times requests per API in histograms and shows connections and the request queue', async () => {
    const m = await scrape();
    const produce = { request: 'Produce' };
    expect(m.value('kafka_network_requestmetrics_requests_total', produce)).toBeGreaterThanOrEqual(2);
    expect(m.family('kafka_network_requestmetrics_totaltimems').type).toBe('histogram');
    // The parser has checked each histogram whole; each API's _count is its requests.
    for (const request of ['Produce', 'Fetch', 'Metadata', 'ApiVersions', 'OffsetCommit', 'JoinGroup']) {
      expect(m.value('kafka_network_requestmetrics_totaltimems_count', { request })).toBe(m.value('kafka_network_requestmetrics_requests_total', { request }));
    }
    expect(m.value('kafka_network_requestmetrics_requests_total', { request: 'OffsetCommit' })).toBe(1);
    // The raw client, the consumer's connections and the producer's.
    expect(m.value('kafka_server_socketservermetrics_connection_count', { listener: 'PLAINTEXT' })).toBeGreaterThanOrEqual(2);
    expect(m.value('kafka_network_requestchannel_requestqueuesize')).toBeGreaterThanOrEqual(0);
    expect(m.value('process_resident_memory_bytes')).toBeGreaterThan(0);
  });

  it('answers /health with 200 while serving, refuses writes, and knows no other paths', async () => {
    const health = await fetch(`${s.http}/health`);
    expect(health.status).toBe(200);
    expect(await health.text()).toBe('serving\n');
    const post = await fetch(`${s.http}/metrics`, { method: 'POST', body: 'x' });
    expect(post.status).toBe(405);
    expect(post.headers.get('allow')).toBe('GET, HEAD');
    await post.text();
    const missing = await fetch(`${s.http}/admin`);
    expect(missing.status).toBe(404);
    await missing.text();
  });
});

describe('http.listeners', () => {
  it('answers /health with 503 once the broker is stopping', async () => {
    const b = await startBroker({ 'http.listeners': 'http://127.0.0.1:0' });
    const socket = connect(b.broker.httpPorts[0]!, '127.0.0.1');
    try {
      await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
      let answer = '';
      socket.on('data', (d: Buffer) => (answer += d.toString()));
      const ended = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      // The request reaches the server only after this turn, by when stop() has begun.
      socket.write('GET /health HTTP/1.1\r\nHost: samsa\r\nConnection: close\r\n\r\n');
      const stopped = b.stop();
      await ended;
      await stopped;
      expect(answer).toMatch(/^HTTP\/1\.1 503 /);
      expect(answer.endsWith('\r\n\r\nstopping\n')).toBe(true);
    } finally {
      socket.destroy();
      await b.stop();
    }
  });

  it('refuses a listener that is not http://host:port, naming the key', async () => {
    await expectRejected(
      Broker.start({ 'http.listeners': 'https://127.0.0.1:9644', 'log.dirs': '/nonexistent/never' }),
      ConfigError,
      { key: 'http.listeners' },
      /only http/,
    );
    await expectRejected(
      Broker.start({ 'http.listeners': '127.0.0.1:9644', 'log.dirs': '/nonexistent/never' }),
      ConfigError,
      { key: 'http.listeners' },
      /not a listener like http:\/\/127\.0\.0\.1:9644/,
    );
  });
});
