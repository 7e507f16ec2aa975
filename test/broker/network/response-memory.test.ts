import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { ResponseAllowance, ResponseMemory } from '../../../src/broker/network/response-memory.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import { waitFor } from '../../wait-for.js';
import { startBroker as startTestBroker } from '../harness.js';
import { RawClient, requestFrame } from '../raw-client.js';

const MAIN = fileURLToPath(new URL('../../../dist/src/cli/main.js', import.meta.url));
const MiB = 1024 * 1024;

describe('ResponseMemory', () => {
  it('grants in arrival order, lets one oversize reservation through when nothing is held, and times out waiters', async () => {
    const memory = new ResponseMemory(100);
    expect(memory.tryTake(300)).toBe(true); // larger than the budget, but nothing was held
    expect(memory.tryTake(1)).toBe(false);
    const order: string[] = [];
    const first = memory.take(60, 10_000).then((ok) => order.push(`first ${ok}`));
    const second = memory.take(30, 10_000).then((ok) => order.push(`second ${ok}`));
    const third = memory.take(50, 0).then((ok) => order.push(`third ${ok}`));
    await third;
    memory.release(300);
    await Promise.all([first, second]);
    expect(order).toEqual(['third false', 'first true', 'second true']);
    expect(memory.usedBytes).toBe(90);
  });

  it('takes from the connection before the broker and gives both back once', async () => {
    const connection = new ResponseMemory(100);
    const broker = new ResponseMemory(150);
    const a = new ResponseAllowance(connection, broker);
    const b = new ResponseAllowance(new ResponseMemory(100), broker);
    expect(await a.reserve(80, 0)).toBe(true);
    expect(await b.reserve(80, 0)).toBe(false); // the broker-wide budget is the bound
    expect(connection.usedBytes).toBe(80);
    a.release();
    a.release();
    expect(connection.usedBytes).toBe(0);
    expect(broker.usedBytes).toBe(0);
    expect(await b.reserve(80, 0)).toBe(true);
    expect(await a.reserve(10, 0)).toBe(false); // released allowances take nothing more
  });

  it('gives back a reservation granted in the same turn as its allowance is released', async () => {
    // A closing connection releases its requests one after another: the first one's bytes go to the
    // next one waiting, which is released before its reserve() resumes.
    const broker = new ResponseMemory(100);
    const connection = new ResponseMemory(1000);
    const holding = new ResponseAllowance(connection, broker);
    const waiting = new ResponseAllowance(connection, broker);
    expect(await holding.reserve(100, 0)).toBe(true);
    const reserved = waiting.reserve(100, 10_000);
    await Promise.resolve();
    holding.release();
    waiting.release();
    expect(await reserved).toBe(false);
    expect([broker.usedBytes, connection.usedBytes]).toEqual([0, 0]);
  });
});

interface BrokerChild {
  process: ChildProcess;
  port: number;
  dir: string;
}

function startBroker(overrides: Record<string, string>): Promise<BrokerChild> {
  const dir = mkdtempSync(join(tmpdir(), 'samsa-response-memory-'));
  const settings = { listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, 'broker.id': '0', ...overrides };
  const args = [MAIN, 'broker', ...Object.entries(settings).flatMap(([k, v]) => ['--override', `${k}=${v}`])];
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  return new Promise((resolve, reject) => {
    let output = '';
    child.stderr!.on('data', (d: Buffer) => {
      output += d.toString();
      const m = /listening on [^:]+:(\d+)/.exec(output);
      if (m) resolve({ process: child, port: Number(m[1]), dir });
    });
    child.once('exit', (code) => reject(new Error(`broker exited ${code}: ${output}`)));
  });
}

function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m![1]) * 1024;
}

function fetchBody(topic: string, maxBytes: number, maxWaitMs: number) {
  return {
    replicaId: -1,
    maxWaitMs,
    minBytes: 1,
    maxBytes,
    isolationLevel: 0,
    sessionId: 0,
    sessionEpoch: -1,
    topics: [{ topic, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: 0, logStartOffset: -1, partitionMaxBytes: maxBytes }] }],
    forgottenTopicsData: [],
    rackId: '',
  };
}

/** Fills partition 0 of `topic` with about `bytes` of records in 800 KB batches. */
async function fill(client: RawClient, topic: string, bytes: number): Promise<void> {
  const value = Buffer.alloc(200 * 1024, 7);
  for (let written = 0; written < bytes; written += 4 * value.length) {
    const records = buildRecordBatch(Array.from({ length: 4 }, () => ({ value })));
    const res = await client.request('Produce', 7, {
      transactionalId: null,
      acks: 1,
      timeoutMs: 10_000,
      topicData: [{ name: topic, partitionData: [{ index: 0, records }] }],
    });
    expect(res.responses[0].partitionResponses[0].errorCode).toBe(0);
  }
}

describe('response memory of a broker', () => {
  const started: BrokerChild[] = [];
  const sockets: Socket[] = [];
  afterEach(async () => {
    for (const s of sockets.splice(0)) s.destroy();
    for (const b of started.splice(0)) {
      if (b.process.exitCode === null && b.process.signalCode === null) {
        b.process.kill('SIGKILL');
        await new Promise((r) => b.process.once('exit', r));
      }
      rmSync(b.dir, { recursive: true, force: true });
    }
  });

  it('stays bounded while clients pipeline large fetches and never read, and keeps serving others', { timeout: 120_000 }, async () => {
    // Connections that stop reading are closed after connections.max.idle.ms without progress, which frees what they hold.
    const broker = await startBroker({ 'queued.max.response.bytes': String(96 * MiB), 'connections.max.idle.ms': '3000' });
    started.push(broker);
    const producer = await RawClient.connect(broker.port);
    try {
      await producer.request('CreateTopics', 4, {
        topics: [{ name: 'big', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 10_000,
        validateOnly: false,
      });
      await fill(producer, 'big', 32 * MiB);
      const before = rssBytes(broker.process.pid!);

      // Four connections pipeline ten 32 MiB fetches each and never read a byte of the answers.
      for (let c = 0; c < 4; c++) {
        const socket = connect(broker.port, '127.0.0.1');
        socket.pause();
        sockets.push(socket);
        await new Promise<void>((r) => socket.once('connect', () => r()));
        for (let i = 0; i < 10; i++) socket.write(requestFrame('Fetch', 11, fetchBody('big', 32 * MiB, 20_000), i + 1));
      }

      // Meanwhile another client reads the whole partition.
      const reader = await RawClient.connect(broker.port);
      try {
        let offset = 0;
        let peak = 0;
        let bytes = 0;
        while (bytes < 32 * MiB) {
          const body = fetchBody('big', 4 * MiB, 20_000);
          body.topics[0]!.partitions[0]!.fetchOffset = offset;
          const res = await reader.request('Fetch', 11, body);
          const p = res.responses[0].partitions[0];
          expect(p.errorCode).toBe(0);
          const records: Buffer = p.records;
          expect(records.length).toBeGreaterThan(0);
          bytes += records.length;
          // Offsets advance by the batches' record counts (4 each, lastOffsetDelta at byte 23).
          let pos = 0;
          while (pos + 12 <= records.length) {
            offset = Number(records.readBigInt64BE(pos)) + records.readInt32BE(pos + 23) + 1;
            pos += 12 + records.readInt32BE(pos + 8);
          }
          peak = Math.max(peak, rssBytes(broker.process.pid!));
        }
        for (let i = 0; i < 20; i++) {
          peak = Math.max(peak, rssBytes(broker.process.pid!));
          await reader.request('Metadata', 1, { topics: null });
        }
        // Unbounded, forty 32 MiB responses would be built (over 1 GiB); bounded, at most 96 MiB of them at once.
        expect(peak - before).toBeLessThan(400 * MiB);
      } finally {
        reader.close();
      }
    } finally {
      producer.close();
    }
  });
  it('lets other fetches read while long polls wait for more data', { timeout: 60_000 }, async () => {
    // Room for one 1.5 MiB reservation; each long poll finds some data, less than its min_bytes, and waits.
    const b = await startTestBroker({ 'queued.max.response.bytes': 2 * MiB });
    const client = await RawClient.connect(b.port);
    try {
      await client.request('CreateTopics', 4, {
        topics: [{ name: 'polled', numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
        timeoutMs: 10_000,
        validateOnly: false,
      });
      const produced = await client.request('Produce', 7, {
        transactionalId: null,
        acks: 1,
        timeoutMs: 10_000,
        topicData: [{ name: 'polled', partitionData: [{ index: 0, records: buildRecordBatch([{ value: 'waiting' }]) }] }],
      });
      expect(produced.responses[0].partitionResponses[0].errorCode).toBe(0);
      const fetchNow = async () =>
        (await client.request('Fetch', 11, { ...fetchBody('polled', 1.5 * MiB, 0), minBytes: 0 })).responses[0].partitions[0].records?.length ?? 0;

      const polling = connect(b.port, '127.0.0.1');
      sockets.push(polling);
      await new Promise<void>((r) => polling.once('connect', () => r()));
      const longPoll = { ...fetchBody('polled', 1.5 * MiB, 30_000), minBytes: 10 * MiB };
      polling.write(Buffer.concat([requestFrame('Fetch', 11, longPoll, 1), requestFrame('Fetch', 11, longPoll, 2)]));
      await waitFor(() => b.broker.context.replicas.fetchPurgatorySize === 2, 'both long polls to wait');
      expect(await fetchNow()).toBeGreaterThan(0); // they wait holding none of the budget
    } finally {
      client.close();
      await b.stop();
    }
  });
});
