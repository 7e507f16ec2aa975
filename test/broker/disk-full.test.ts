import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, statfsSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { readAllRecords } from '../../storage/record/record.js';
import { buildRecordBatch } from '../../storage/record/record-batch-builder.js';
import { validateBatches } from '../../storage/record/record-batch-scan.js';
import { Random } from '../record/random.js';
import { type BrokerProcess, startBrokerProcess } from './broker-process.js';
import { RawClient } from './raw-client.js';

// A broker whose log dir fills up answers KAFKA_STORAGE_ERROR, still serves
// reads, takes writes again once space is freed, loses nothing it
// acknowledged and stops cleanly, even while the disk is full, on every
// backend. The file system is a small tmpfs, filled by a filler file up to
// `free` bytes, then by Produce.

const MIB = 1 << 20;
const SEED = 1313;
const VALUE = new Random(SEED).bytes(16 * 1024); // incompressible, so LevelDB's snappy cannot shrink it
const TOPIC = 'full';

function canMount(): boolean {
  const probe = mkdtempSync(join(tmpdir(), 'samsa-mount-probe-'));
  const ok = spawnSync('mount', ['-t', 'tmpfs', '-o', 'size=1m', 'tmpfs', probe]).status === 0;
  if (ok) spawnSync('umount', ['-l', probe]);
  rmSync(probe, { recursive: true, force: true });
  return ok;
}

const produceRequest = (key: string) => ({
  transactionalId: null,
  acks: -1,
  timeoutMs: 5000,
  topicData: [{ name: TOPIC, partitionData: [{ index: 0, records: buildRecordBatch([{ key, value: VALUE }]) }] }],
});

const fetchRequest = (offset: number) => ({
  replicaId: -1,
  maxWaitMs: 0,
  minBytes: 0,
  maxBytes: 4 * MIB,
  isolationLevel: 0,
  sessionId: 0,
  sessionEpoch: -1,
  topics: [{ topic: TOPIC, partitions: [{ partition: 0, currentLeaderEpoch: -1, fetchOffset: offset, logStartOffset: -1, partitionMaxBytes: 4 * MIB }] }],
  forgottenTopicsData: [],
  rackId: '',
});

/** Every record of the partition, read through Fetch: their keys, each value checked against VALUE. */
async function consumeAll(client: RawClient): Promise<string[]> {
  const keys: string[] = [];
  for (let offset = 0; ; ) {
    const p = (await client.request('Fetch', 12, fetchRequest(offset))).responses[0].partitions[0];
    expect(p.errorCode).toBe(ErrorCode.NONE);
    if (offset >= p.highWatermark) return keys;
    for (const batch of validateBatches(Buffer.from(p.records))) {
      for (const record of readAllRecords(batch)) {
        if (record.offset < offset) continue;
        expect(record.value!.equals(VALUE)).toBe(true);
        keys.push(record.key!.toString());
        offset = record.offset + 1;
      }
    }
  }
}

describe.skipIf(!canMount())('a full disk', () => {
  // Stopped in afterEach, which runs even after a test timed out.
  const brokers: BrokerProcess[] = [];
  const clients: RawClient[] = [];
  const mounts: string[] = [];
  afterEach(() => {
    for (const client of clients.splice(0)) client.close();
    for (const broker of brokers.splice(0)) broker.kill();
    for (const mount of mounts.splice(0)) {
      expect(spawnSync('umount', ['-l', mount]).status).toBe(0);
      rmSync(mount, { recursive: true, force: true });
    }
  });

  // free: the bytes left for the broker when the filler is written. LevelDB fails
  // differently by how much that is: with less than its 4 MiB write buffer, a
  // write to its log fails; with more, the flush of its memtable to a table
  // fails in the background, which LevelDB makes sticky until the database is
  // reopened. A reopened LevelDB rewrites its log files as a table before
  // deleting them, and compacts its tables into new ones, so it needs room
  // beyond its data: 32 MiB there.
  it.each([
    { backend: 'file', size: '8m', free: 2 * MIB },
    { backend: 'mmap', size: '8m', free: 2 * MIB },
    { backend: 'level', size: '8m', free: 2 * MIB },
    { backend: 'level', size: '32m', free: 6 * MIB },
  ])(
    '$backend backend, $free bytes free of $size: KAFKA_STORAGE_ERROR while full, reads go on, writes resume once space is freed, nothing acknowledged lost, SIGTERM exits 0',
    async ({ backend, size, free }) => {
      const mount = mkdtempSync(join(tmpdir(), `samsa-full-${backend}-`));
      expect(spawnSync('mount', ['-t', 'tmpfs', '-o', `size=${size}`, 'tmpfs', mount]).status).toBe(0);
      mounts.push(mount);
      const filler = join(mount, 'filler');
      const acknowledged: string[] = [];
      // Refused with KAFKA_STORAGE_ERROR after the backend took them in (LevelDB writes behind): as a record Kafka answers
      // NOT_ENOUGH_REPLICAS_AFTER_APPEND, one may still be stored; nothing else unacknowledged may appear.
      const refused = new Set<string>();
      /** The records read back: every acknowledged one in order, and besides them only refused ones. */
      const expectAcknowledged = (read: string[]) => expect(read.filter((key) => !refused.has(key))).toEqual(acknowledged);
      let next = 0;
      const start = async () => {
        const broker = await startBrokerProcess(join(mount, 'logs'), {
          'storage.backend': backend,
          'log.segment.bytes': String(MIB),
          'log.index.size.max.bytes': String(64 * 1024), // mmap maps, and the file system must hold, whole indexes
          'log.cleaner.enable': 'false',
        });
        brokers.push(broker);
        const client = await RawClient.connect(broker.port);
        clients.push(client);
        return { broker, client };
      };
      const stop = async (broker: BrokerProcess, client: RawClient) => {
        client.close();
        expect(await broker.stop('SIGTERM')).toBe(0);
        expect(broker.output()).toMatch(/shut down cleanly/);
        expect(broker.output()).not.toMatch(/Uncaught|StorageError:/);
      };
      const produce = async (client: RawClient): Promise<number> => {
        const key = `r${next++}`;
        const code = (await client.request('Produce', 9, produceRequest(key))).responses[0].partitionResponses[0].errorCode;
        if (code === ErrorCode.NONE) acknowledged.push(key);
        else if (backend === 'level') refused.add(key);
        return code;
      };
      const fillUp = async (client: RawClient) => {
        const fs = statfsSync(mount);
        writeFileSync(filler, Buffer.alloc(Math.max(0, fs.bavail * fs.bsize - free)));
        let code: number = ErrorCode.NONE;
        for (let i = 0; i < 2000 && code === ErrorCode.NONE; i++) code = await produce(client);
        expect(code).toBe(ErrorCode.KAFKA_STORAGE_ERROR);
        expect(await produce(client)).toBe(ErrorCode.KAFKA_STORAGE_ERROR); // still full
      };
      mkdirSync(join(mount, 'logs'));
      let { broker, client } = await start();
      const md = await client.request('Metadata', 9, { topics: [{ name: TOPIC }], allowAutoTopicCreation: true, includeTopicAuthorizedOperations: false });
      expect(md.topics[0].errorCode).toBe(ErrorCode.NONE);

      await fillUp(client);
      expectAcknowledged(await consumeAll(client)); // reads go on, and no failed write shows

      rmSync(filler);
      expect(await produce(client)).toBe(ErrorCode.NONE);
      for (let i = 0; i < 20; i++) expect(await produce(client)).toBe(ErrorCode.NONE);
      expectAcknowledged(await consumeAll(client));
      expect(broker.output()).toMatch(new RegExp(`appends to ${TOPIC}-0 fail in .*${TOPIC}-0, answered KAFKA_STORAGE_ERROR`));
      expect(broker.output()).toMatch(new RegExp(`appends to ${TOPIC}-0 succeed again`));
      await stop(broker, client);

      // What was acknowledged survives a restart, and nothing else appears.
      ({ broker, client } = await start());
      expectAcknowledged(await consumeAll(client));

      // A broker stopped while the disk is full still exits 0, and the next start has everything acknowledged.
      await fillUp(client);
      await stop(broker, client);
      rmSync(filler);
      ({ broker, client } = await start());
      expectAcknowledged(await consumeAll(client));
      expect(await produce(client)).toBe(ErrorCode.NONE);
      expectAcknowledged(await consumeAll(client));
      await stop(broker, client);
    },
    120_000,
  );
});
