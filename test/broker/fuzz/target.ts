import { readFileSync } from 'node:fs';
import { CompressionType } from '../../../codecs/codec.js';
import { ALL_MESSAGES } from '../../../src/protocol/messages/index.js';
import { buildRecordBatch } from '../../../storage/record/record-batch-builder.js';
import { MAGIC } from '../../../storage/record/record-batch-layout.js';
import { validateBatches } from '../../../storage/record/record-batch-scan.js';
import { type BrokerProcess, startBrokerProcess } from '../broker-process.js';
import { fetchBody, RawClient, requestFrame } from '../raw-client.js';
import type { SeedFrame } from './corpus.js';

/** The topic written before fuzzing, read back after every group of cases. */
export const CANARY_TOPIC = 'fuzz-canary';

/** What a check of the fuzzed broker found: `problem` says what is wrong, if anything. */
export interface Health {
  problem?: string;
  /** The broker process's resident memory. */
  rssBytes: number;
}

/** The broker process's resident set size, from /proc. */
export function rssOf(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmRSS:\s+(\d+) kB/.exec(status);
  return kb ? Number(kb[1]) * 1024 : 0;
}

/** A broker process to fuzz, with records produced before any fuzzing that must come back byte for byte. */
export interface FuzzTarget {
  readonly broker: BrokerProcess;
  /** Alive, answering a fresh client (ApiVersions and Metadata, each within the client's 10 s), serving the canary byte-exact; and its memory. */
  check(): Promise<Health>;
  stop(): Promise<void>;
}

const produce = (records: Buffer) => ({
  transactionalId: null,
  acks: -1,
  timeoutMs: 5000,
  topicData: [{ name: CANARY_TOPIC, partitionData: [{ index: 0, records }] }],
});
/** Starts `samsa broker` in `dir` and writes the canary: a batch in each codec, keyed, with headers. */
export async function startFuzzTarget(dir: string, settings: Readonly<Record<string, string>> = {}): Promise<FuzzTarget> {
  const broker = await startBrokerProcess(dir, settings);
  const canary: Buffer[] = [];
  const client = await RawClient.connect(broker.port, 'fuzz-canary');
  try {
    const created = await client.request('CreateTopics', 7, {
      topics: [{ name: CANARY_TOPIC, numPartitions: 1, replicationFactor: 1, assignments: [], configs: [] }],
      timeoutMs: 5000,
      validateOnly: false,
    });
    if (created.topics[0].errorCode !== 0) throw new Error(`creating ${CANARY_TOPIC}: error ${created.topics[0].errorCode}`);
    for (const compression of [CompressionType.None, CompressionType.Gzip, CompressionType.Snappy, CompressionType.Lz4, CompressionType.Zstd]) {
      const batch = buildRecordBatch(
        Array.from({ length: 10 }, (_, i) => ({
          key: `key-${compression}-${i}`,
          value: `canary ${compression} ${i} ${'#'.repeat(i * 7)}`,
          headers: [{ key: 'n', value: String(i) }],
        })),
        { compression },
      );
      const answer = (await client.request('Produce', 9, produce(batch))).responses[0].partitionResponses[0];
      if (answer.errorCode !== 0) throw new Error(`producing the canary: error ${answer.errorCode}`);
      canary.push(batch.subarray(MAGIC)); // from magic on: the broker writes the offset and leader epoch before it
    }
  } finally {
    client.close();
  }

  return {
    broker,
    async check() {
      const { child } = broker;
      if (child.exitCode !== null || child.signalCode !== null)
        return { problem: `the broker exited (code ${child.exitCode}, signal ${child.signalCode})`, rssBytes: 0 };
      const rssBytes = rssOf(child.pid!);
      let fresh: RawClient | undefined;
      try {
        fresh = await RawClient.connect(broker.port, 'fuzz-check');
        const versions = await fresh.request('ApiVersions', 3, { clientSoftwareName: 'samsa-fuzz', clientSoftwareVersion: '1' });
        if (versions.errorCode !== 0) return { problem: `ApiVersions answered error ${versions.errorCode}`, rssBytes };
        const metadata = await fresh.request('Metadata', 9, {
          topics: [{ name: CANARY_TOPIC }],
          allowAutoTopicCreation: false,
          includeTopicAuthorizedOperations: false,
        });
        if (metadata.topics[0].errorCode !== 0) return { problem: `Metadata for ${CANARY_TOPIC} answered error ${metadata.topics[0].errorCode}`, rssBytes };
        const fetched = (await fresh.request('Fetch', 11, fetchBody(CANARY_TOPIC, 0))).responses[0].partitions[0];
        if (fetched.errorCode !== 0) return { problem: `Fetch of ${CANARY_TOPIC} answered error ${fetched.errorCode}`, rssBytes };
        const batches = validateBatches(Buffer.from(fetched.records ?? Buffer.alloc(0)));
        for (const [i, expected] of canary.entries()) {
          const stored = batches[i];
          if (!stored?.bytes.subarray(MAGIC).equals(expected)) {
            const found = stored
              ? `offset ${stored.baseOffset}, ${stored.sizeInBytes} bytes, codec ${stored.compression}, ${stored.recordCount} records`
              : 'missing';
            return {
              problem: `${CANARY_TOPIC} batch ${i} is not what was produced (${expected.length + MAGIC} bytes, codec ${i}): ${found}; ${batches.length} batches from offset ${batches[0]?.baseOffset}; ${JSON.stringify({ ...fetched, records: undefined })}`,
              rssBytes,
            };
          }
        }
        return { rssBytes };
      } catch (error) {
        return { problem: `a fresh client was not served: ${(error as Error).message}`, rssBytes };
      } finally {
        fresh?.close();
      }
    },
    async stop() {
      const code = await broker.stop();
      if (code !== 0 && code !== null) throw new Error(`the fuzzed broker exited ${code} at SIGTERM:\n${broker.output().slice(-4000)}`);
    },
  };
}

/** samsa's own encoding of every request it knows, in every version, with default fields: APIs the captured clients never sent. */
export function ownFrames(): SeedFrame[] {
  const frames: SeedFrame[] = [];
  for (const schema of ALL_MESSAGES.filter((m) => m.type === 'request')) {
    for (let version = schema.validVersions.min; version <= schema.validVersions.max; version++) {
      let frame: Buffer;
      try {
        frame = requestFrame(schema.name.replace(/Request$/, ''), version, {}, version);
      } catch {
        continue; // a version that cannot be encoded with default fields
      }
      frames.push({ client: 'samsa', apiKey: schema.apiKey, apiVersion: version, bytes: frame.subarray(4) });
    }
  }
  return frames;
}
