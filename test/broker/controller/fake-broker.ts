import { createServer, type Server, type Socket } from 'node:net';
import { KafkaController, type KafkaControllerConfig } from '../../../src/broker/controller/kafka-controller.js';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { FrameReader } from '../../../src/protocol/frame-reader.js';
import { ApiVersionsRequest, ApiVersionsResponse } from '../../../src/protocol/messages/api-versions.js';
import { RequestHeader } from '../../../src/protocol/messages/headers.js';
import { LeaderAndIsrRequest, LeaderAndIsrResponse } from '../../../src/protocol/messages/leader-and-isr.js';
import { StopReplicaRequest, StopReplicaResponse } from '../../../src/protocol/messages/stop-replica.js';
import { UpdateMetadataRequest, UpdateMetadataResponse } from '../../../src/protocol/messages/update-metadata.js';
import { ProtocolReader } from '../../../src/protocol/reader.js';
import { compileMessage } from '../../../src/protocol/schema/compile.js';
import type { MessageData } from '../../../src/protocol/schema/message-types.js';
import type { MessageSchema } from '../../../src/protocol/schema/schema.js';
import { ProtocolWriter } from '../../../src/protocol/writer.js';
import { KafkaZkClient } from '../../../src/zk/kafka-zk-client.js';
import type { BrokerInfo } from '../../../src/zk/zk-data.js';

export type LeaderAndIsrData = MessageData<typeof LeaderAndIsrRequest>;
export type UpdateMetadataData = MessageData<typeof UpdateMetadataRequest>;
export type StopReplicaData = MessageData<typeof StopReplicaRequest>;

/** One request a fake broker received, decoded. */
export type Received =
  | { api: 'LeaderAndIsr'; version: number; body: LeaderAndIsrData }
  | { api: 'UpdateMetadata'; version: number; body: UpdateMetadataData }
  | { api: 'StopReplica'; version: number; body: StopReplicaData };

/** The highest version of each inter-broker API a fake broker claims (an older broker answers fewer). */
export interface ApiMaxVersions {
  LeaderAndIsr: number;
  UpdateMetadata: number;
  StopReplica: number;
}

export interface FakeBrokerOptions {
  /** ZooKeeper connect string with chroot (a proxy's port to cut the broker off). */
  connect: string;
  id: number;
  rack?: string | null;
  /** Runs a KafkaController on the broker's ZooKeeper session, as a real broker does. */
  controller?: boolean;
  controllerConfig?: Partial<KafkaControllerConfig>;
  maxVersions?: Partial<ApiMaxVersions>;
  /** The first this many inter-broker requests are not answered: their connection is closed instead (a broker that fails mid-request). */
  dropRequests?: number;
  zkSettings?: Record<string, unknown>;
}

const API_VERSIONS = 18;
const LATEST: ApiMaxVersions = {
  LeaderAndIsr: LeaderAndIsrRequest.validVersions.max,
  UpdateMetadata: UpdateMetadataRequest.validVersions.max,
  StopReplica: StopReplicaRequest.validVersions.max,
};
const SCHEMAS = {
  LeaderAndIsr: [LeaderAndIsrRequest, LeaderAndIsrResponse],
  UpdateMetadata: [UpdateMetadataRequest, UpdateMetadataResponse],
  StopReplica: [StopReplicaRequest, StopReplicaResponse],
} as const;
const headers = compileMessage(RequestHeader);
const codecs = new Map<
  number,
  {
    name: keyof ApiMaxVersions | 'ApiVersions';
    requests: Map<number, { flexible: boolean; decode(r: ProtocolReader): unknown }>;
    responses: Map<number, { flexible: boolean; encode(w: ProtocolWriter, v: any): void }>;
  }
>([
  [API_VERSIONS, { name: 'ApiVersions', requests: compileMessage(ApiVersionsRequest), responses: compileMessage(ApiVersionsResponse) }],
  ...Object.entries(SCHEMAS).map(
    ([name, [request, response]]) =>
      [
        (request as MessageSchema).apiKey,
        { name: name as keyof ApiMaxVersions, requests: compileMessage(request as MessageSchema), responses: compileMessage(response as MessageSchema) },
      ] as const,
  ),
]);

export const DEFAULT_CONTROLLER_CONFIG: KafkaControllerConfig = {
  uncleanLeaderElectionEnable: false,
  autoLeaderRebalanceEnable: false,
  leaderImbalanceCheckIntervalSeconds: 300,
  leaderImbalancePerBrokerPercentage: 10,
};

/**
 * A stand-in broker for controller tests: a real TCP server that speaks the inter-broker
 * APIs through samsa's protocol layer (ApiVersions, then LeaderAndIsr, UpdateMetadata and
 * StopReplica, each answered NONE for every partition) and records what it received,
 * registered in ZooKeeper through KafkaZkClient.registerBroker, optionally running a
 * KafkaController on its session. On a new ZooKeeper session it registers again.
 */
export class FakeBroker {
  readonly received: Received[] = [];
  controller: KafkaController | undefined;
  zk!: KafkaZkClient;
  epoch = -1n;
  private server!: Server;
  private readonly sockets = new Set<Socket>();
  private readonly waiters = new Set<() => void>();
  port = 0;
  private running = false;
  /** Requests dropped so far (see dropRequests). */
  dropped = 0;

  private constructor(readonly options: FakeBrokerOptions) {}

  static async start(options: FakeBrokerOptions): Promise<FakeBroker> {
    const broker = new FakeBroker(options);
    await broker.listen();
    await broker.join();
    return broker;
  }

  get id(): number {
    return this.options.id;
  }

  get info(): BrokerInfo {
    return {
      id: this.options.id,
      endpoints: [{ listenerName: 'PLAINTEXT', securityProtocol: 'PLAINTEXT', host: '127.0.0.1', port: this.port }],
      rack: this.options.rack ?? null,
      jmxPort: -1,
      features: {},
    };
  }

  /** The requests of one API received so far. */
  requests<A extends Received['api']>(api: A): Array<Extract<Received, { api: A }>> {
    return this.received.filter((r): r is Extract<Received, { api: A }> => r.api === api);
  }

  /** Resolves with the first received request (from `from` on) that `match` accepts; rejects after `timeoutMs`. */
  async waitFor<A extends Received['api']>(
    api: A,
    match: (r: Extract<Received, { api: A }>) => boolean,
    from = 0,
    timeoutMs = 20_000,
  ): Promise<Extract<Received, { api: A }>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const found = this.received.slice(from).find((r): r is Extract<Received, { api: A }> => r.api === api && match(r as Extract<Received, { api: A }>));
      if (found) return found;
      if (Date.now() > deadline)
        throw new Error(`broker ${this.id}: no matching ${api} within ${timeoutMs} ms; received ${this.received.map((r) => r.api).join(', ')}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(wake, 200);
        const waiters = this.waiters;
        function wake(): void {
          clearTimeout(timer);
          waiters.delete(wake);
          resolve();
        }
        waiters.add(wake);
      });
    }
  }

  /** A crash: the ZooKeeper session goes (and with it the registration and any /controller it held), then the listener. */
  async stop(): Promise<void> {
    if (!this.running) return;
    this.running = false;
    await this.zk.close();
    await this.controller?.shutdown();
    this.controller = undefined;
    await this.closeServer();
  }

  /** For the fixture's cleanup. */
  close(): Promise<void> {
    return this.stop();
  }

  /** A restart: listening again on the same port with a new ZooKeeper session, so a new registration and broker epoch. */
  async restart(): Promise<void> {
    await this.stop();
    await this.listen(this.port);
    await this.join();
  }

  private async join(): Promise<void> {
    this.running = true;
    this.zk = await KafkaZkClient.connect({ 'zookeeper.connect': this.options.connect, ...this.options.zkSettings });
    await this.zk.createTopLevelPaths();
    this.zk.zk.registerStateChangeHandler({
      name: 'broker',
      onNewSession: async () => {
        this.epoch = await this.zk.registerBroker(this.info);
      },
    });
    this.epoch = await this.zk.registerBroker(this.info);
    if (this.options.controller) {
      this.controller = new KafkaController({
        zk: this.zk,
        brokerId: this.options.id,
        brokerEpoch: () => this.epoch,
        config: { ...DEFAULT_CONTROLLER_CONFIG, ...this.options.controllerConfig },
        // SAMSA_TEST_LOG=1 shows what the controllers do
        log: process.env.SAMSA_TEST_LOG ? (level, message) => console.log(`[broker ${this.options.id}] ${level}: ${message}`) : undefined,
      });
      await this.controller.startup();
    }
  }

  private async listen(port = 0): Promise<void> {
    this.server = createServer((socket) => this.serve(socket));
    await new Promise<void>((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(port, '127.0.0.1', () => resolve());
    });
    this.port = (this.server.address() as { port: number }).port;
  }

  private async closeServer(): Promise<void> {
    for (const socket of this.sockets) socket.destroy();
    this.sockets.clear();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  private serve(socket: Socket): void {
    this.sockets.add(socket);
    socket.on('close', () => this.sockets.delete(socket));
    socket.on('error', () => {});
    const frames = new FrameReader(100 * 1024 * 1024);
    socket.on('data', (chunk: Buffer) => {
      frames.push(chunk, (frame) => {
        if (frame.readInt16BE(0) !== API_VERSIONS && this.dropped < (this.options.dropRequests ?? 0)) {
          this.dropped++;
          socket.destroy();
          return false;
        }
        const response = this.answer(frame);
        const size = Buffer.alloc(4);
        size.writeInt32BE(response.length);
        socket.write(Buffer.concat([size, response]));
      });
    });
  }

  private answer(frame: Buffer): Buffer {
    const apiKey = frame.readInt16BE(0);
    const version = frame.readInt16BE(2);
    const api = codecs.get(apiKey);
    if (!api) throw new Error(`fake broker ${this.id}: unexpected API key ${apiKey}`);
    const request = api.requests.get(version)!;
    const reader = new ProtocolReader(frame);
    const header = headers.get(request.flexible ? 2 : 1)!.decode(reader) as { correlationId: number };
    const body = request.decode(reader) as any;
    const responseCodec = api.responses.get(version)!;
    const w = new ProtocolWriter();
    w.int32(header.correlationId);
    if (responseCodec.flexible && apiKey !== API_VERSIONS) w.uvarint(0);
    responseCodec.encode(w, this.respond(api.name, version, body));
    if (api.name !== 'ApiVersions') {
      this.received.push({ api: api.name, version, body } as Received);
      for (const wake of [...this.waiters]) wake();
    }
    return w.toBuffer();
  }

  private respond(api: keyof ApiMaxVersions | 'ApiVersions', version: number, body: any): unknown {
    const max = { ...LATEST, ...this.options.maxVersions };
    switch (api) {
      case 'ApiVersions':
        return {
          errorCode: ErrorCode.NONE,
          apiKeys: [
            { apiKey: API_VERSIONS, minVersion: 0, maxVersion: ApiVersionsRequest.validVersions.max },
            ...Object.entries(SCHEMAS).map(([name, [request]]) => ({ apiKey: request.apiKey, minVersion: 0, maxVersion: max[name as keyof ApiMaxVersions] })),
          ],
          throttleTimeMs: 0,
        };
      case 'LeaderAndIsr': {
        const states: any[] =
          version < 2
            ? body.ungroupedPartitionStates
            : body.topicStates.flatMap((t: any) => t.partitionStates.map((p: any) => ({ ...p, topicName: t.topicName })));
        if (version < 5)
          return { errorCode: 0, partitionErrors: states.map((p) => ({ topicName: p.topicName, partitionIndex: p.partitionIndex, errorCode: 0 })) };
        return {
          errorCode: 0,
          topics: body.topicStates.map((t: any) => ({
            topicId: t.topicId,
            partitionErrors: t.partitionStates.map((p: any) => ({ partitionIndex: p.partitionIndex, errorCode: 0 })),
          })),
        };
      }
      case 'UpdateMetadata':
        return { errorCode: 0 };
      case 'StopReplica':
        return {
          errorCode: 0,
          partitionErrors: stoppedPartitions(version, body).map(({ topic, partition }) => ({ topicName: topic, partitionIndex: partition, errorCode: 0 })),
        };
    }
  }
}

/** The partitions a LeaderAndIsr carries, whatever its version, with their topic names. */
export function leaderAndIsrStates(r: {
  version: number;
  body: LeaderAndIsrData;
}): Array<LeaderAndIsrData['ungroupedPartitionStates'][number] & { topicId: Buffer | undefined }> {
  if (r.version < 2) return r.body.ungroupedPartitionStates.map((p) => ({ ...p, topicId: undefined }));
  return r.body.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ ...p, topicName: t.topicName, topicId: r.version >= 5 ? t.topicId : undefined })));
}

/** The partition states an UpdateMetadata carries, whatever its version, with their topic names. */
export function updateMetadataStates(r: { version: number; body: UpdateMetadataData }): Array<UpdateMetadataData['ungroupedPartitionStates'][number]> {
  if (r.version < 5) return r.body.ungroupedPartitionStates;
  return r.body.topicStates.flatMap((t) => t.partitionStates.map((p) => ({ ...p, topicName: t.topicName })));
}

/** The partitions a StopReplica stops, whatever its version, with their delete flag and leader epoch. */
export function stoppedPartitions(
  version: number,
  body: StopReplicaData,
): Array<{ topic: string; partition: number; deletePartition: boolean; leaderEpoch: number }> {
  if (version === 0)
    return body.ungroupedPartitions.map((p) => ({ topic: p.topicName, partition: p.partitionIndex, deletePartition: body.deletePartitions, leaderEpoch: -1 }));
  if (version < 3)
    return body.topics.flatMap((t) =>
      t.partitionIndexes.map((partition) => ({ topic: t.name, partition, deletePartition: body.deletePartitions, leaderEpoch: -1 })),
    );
  return body.topicStates.flatMap((t) =>
    t.partitionStates.map((p) => ({ topic: t.topicName, partition: p.partitionIndex, deletePartition: p.deletePartition, leaderEpoch: p.leaderEpoch })),
  );
}
