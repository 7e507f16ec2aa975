import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Kafka, logLevel } from 'kafkajs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Partition } from '../../src/broker/replica/partition.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ControlRecordType } from '../../storage/record/control-record.js';
import { startBroker, type TestBroker } from '../broker/harness.js';
import { RawClient } from '../broker/raw-client.js';
import { admitTransactions, plainBatch, produceRaw, txnBatch, WITHOUT_VERIFICATION, writeMarker } from '../broker/transactions-fixture.js';
import { BACKENDS } from './backends.js';
import { kcat } from './kcat.js';

const PYTHON = '/usr/bin/python3';
const SCRIPT = fileURLToPath(new URL('./python/clients.py', import.meta.url));

function confluentToEnd(
  bootstrap: string,
  topic: string,
  isolation: string,
): Promise<{ records: Array<{ offset: number; value: string }>; eof: number | null }> {
  return new Promise((resolve, reject) => {
    execFile(PYTHON, [SCRIPT, 'confluent-kafka', 'consume-to-end', bootstrap, topic, isolation], { timeout: 60_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`confluent-kafka consume-to-end failed: ${error.message}\n${stderr}`));
      else resolve(JSON.parse(stdout.trim().split('\n').pop()!));
    });
  });
}

/**
 * Real consumers with isolation.level=read_committed skip aborted
 * transactions' records and stop at the last stable offset. The producers'
 * batches are raw Produce requests (transactional ones admitted by a
 * stand-in for the coordinator's verification), the markers appended as
 * WriteTxnMarkers appends them; the clients read over the wire. (Debian's
 * kafka-python 2.0.2 has no isolation.level, so it is not among them.)
 */
describe.each(BACKENDS)('read_committed consumers on the %s backend', (backend) => {
  let b: TestBroker;
  let raw: RawClient;
  let partition: Partition;
  const topic = 'read-committed';

  const produce = async (records: Buffer) => expect(await produceRaw(raw, topic, records)).toMatchObject({ errorCode: ErrorCode.NONE });
  const kcatRead = async (isolation: string) =>
    (await kcat(['-b', b.bootstrap, '-C', '-t', topic, '-p', '0', '-o', 'beginning', '-e', '-q', '-X', `isolation.level=${isolation}`, '-f', '%o|%s\\n']))
      .trim()
      .split('\n');
  const kafkajsRead = async (readUncommitted: boolean, count: number) => {
    const kafka = new Kafka({ clientId: 'samsa-read-committed', brokers: [b.bootstrap], logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({ groupId: `kjs-${readUncommitted}-${count}`, readUncommitted });
    const seen: string[] = [];
    try {
      await consumer.connect();
      await consumer.subscribe({ topic, fromBeginning: true });
      await new Promise<void>((resolve, reject) => {
        consumer
          .run({
            eachMessage: async ({ message }) => {
              seen.push(`${message.offset}|${message.value!.toString()}`);
              if (seen.length >= count) resolve();
            },
          })
          .catch(reject);
      });
    } finally {
      await consumer.disconnect();
    }
    return seen;
  };

  beforeAll(async () => {
    b = await startBroker({ 'storage.backend': backend, 'group.initial.rebalance.delay.ms': 0, ...WITHOUT_VERIFICATION });
    raw = await RawClient.connect(b.port);
    const created = await raw.request('CreateTopics', 5, {
      topics: [{ name: topic, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    expect(created.topics[0].errorCode).toBe(ErrorCode.NONE);
    partition = b.broker.context.replicas.getPartition(topic, 0)!;
    admitTransactions(partition);
    await produce(txnBatch(1, 0, 0, ['aborted-0', 'aborted-1'])); // 0-1
    await produce(plainBatch(['plain-0'])); // 2
    await produce(txnBatch(2, 0, 0, ['committed-0', 'committed-1'])); // 3-4
    await writeMarker(partition, ControlRecordType.Abort, 1, 0); // 5
    await produce(plainBatch(['plain-1'])); // 6
    await produce(txnBatch(3, 0, 0, ['open-0'])); // 7: stays open for now
    await writeMarker(partition, ControlRecordType.Commit, 2, 0); // 8
    await produce(plainBatch(['plain-2'])); // 9
    expect([partition.lastStableOffset, partition.highWatermark]).toEqual([7, 10]);
  });

  afterAll(async () => {
    raw?.close();
    await b?.stop();
  });

  const visibleWhileOpen = ['2|plain-0', '3|committed-0', '4|committed-1', '6|plain-1'];
  const everything = ['0|aborted-0', '1|aborted-1', '2|plain-0', '3|committed-0', '4|committed-1', '6|plain-1', '7|open-0', '9|plain-2'];
  const asLines = (records: Array<{ offset: number; value: string }>) => records.map((r) => `${r.offset}|${r.value}`);

  it('kcat and confluent-kafka skip the aborted records and stop at the open transaction; read_uncommitted sees them all', async () => {
    expect(await kcatRead('read_committed')).toEqual(visibleWhileOpen);
    expect(await kcatRead('read_uncommitted')).toEqual(everything);
    const committed = await confluentToEnd(b.bootstrap, topic, 'read_committed');
    expect({ records: asLines(committed.records), eof: committed.eof }).toEqual({ records: visibleWhileOpen, eof: 7 });
    const uncommitted = await confluentToEnd(b.bootstrap, topic, 'read_uncommitted');
    expect({ records: asLines(uncommitted.records), eof: uncommitted.eof }).toEqual({ records: everything, eof: 10 });
  });

  it('once the open transaction commits, kcat, confluent-kafka and KafkaJS (read_committed by default) read it and what followed, in order', async () => {
    await writeMarker(partition, ControlRecordType.Commit, 3, 0); // 10
    const visible = [...visibleWhileOpen, '7|open-0', '9|plain-2'];
    expect(await kcatRead('read_committed')).toEqual(visible);
    const committed = await confluentToEnd(b.bootstrap, topic, 'read_committed');
    expect({ records: asLines(committed.records), eof: committed.eof }).toEqual({ records: visible, eof: 11 });
    expect(await kafkajsRead(false, visible.length)).toEqual(visible);
    expect(await kafkajsRead(true, everything.length)).toEqual(everything);
  });
});
