import { mkdirSync } from 'node:fs';
import { hostname } from 'node:os';
import { LogManager } from '../../storage/log/log-manager.js';
import { BrokerConfig } from './broker-config.js';
import type { BrokerContext, BrokerEndpoint } from './broker-context.js';
import { GroupCoordinator } from './group/group-coordinator.js';
import { apiVersionsHandler } from './handlers/api-versions.js';
import { API_HANDLERS } from './handlers/index.js';
import { KafkaApis } from './kafka-apis.js';
import { ensureMetaProperties } from './meta-properties.js';
import { TopicManager } from './metadata/topic-manager.js';
import { TopicStore } from './metadata/topic-store.js';
import { SocketServer } from './network/socket-server.js';
import { FetchSessionCache } from './replica/fetch-session-cache.js';
import { ReplicaManager, type BrokerLog, type ReplicaManagerOptions } from './replica/replica-manager.js';

export interface BrokerOptions {
  /** Where log lines go; stderr by default. */
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

/**
 * A samsa broker: the log manager, the partitions it leads, the topic
 * metadata and a socket server answering the Kafka protocol.
 * `await Broker.start({ 'log.dirs': './data', listeners: 'PLAINTEXT://127.0.0.1:9092' })`.
 */
export class Broker {
  private checkpointTimer: NodeJS.Timeout | undefined;
  private stopping: Promise<void> | undefined;

  private constructor(
    readonly config: BrokerConfig,
    readonly logManager: LogManager,
    readonly context: BrokerContext,
    private readonly server: SocketServer,
    /** The port actually bound (the configured one, or the kernel's choice for port 0). */
    readonly port: number,
  ) {}

  static async start(settings: BrokerConfig | Readonly<Record<string, unknown>> = {}, options: BrokerOptions = {}): Promise<Broker> {
    const config = settings instanceof BrokerConfig ? settings : new BrokerConfig(settings);
    const log = options.log ?? ((level, message) => process.stderr.write(`[samsa ${level}] ${message}\n`));
    for (const key of config.unknownKeys) log('warn', `the configuration '${key}' was supplied but isn't a known config`);
    for (const dir of config.logDirs) mkdirSync(dir, { recursive: true });
    const { brokerId, clusterId } = ensureMetaProperties(config.logDirs, config.brokerId, config.string('cluster.id'), config.int('reserved.broker.max.id'));
    const topicStore = TopicStore.open(config.logDirs[0]!);
    const logManager = await LogManager.open({
      topicConfigs: (topic) => topicStore.get(topic)?.configs,
      logDirs: config.logDirs,
      defaults: config.topicDefaults,
      retentionCheckIntervalMs: config.int('log.retention.check.interval.ms'),
      producerIdExpirationMs: config.int('producer.id.expiration.ms'),
      cleanerEnable: config.bool('log.cleaner.enable'),
      cleanerBackoffMs: config.int('log.cleaner.backoff.ms'),
      cleanerThreads: config.int('log.cleaner.threads'),
      cleanerDedupeBufferSize: config.int('log.cleaner.dedupe.buffer.size'),
      cleanerIoBufferSize: config.int('log.cleaner.io.buffer.size'),
      flushSchedulerIntervalMs: config.int('log.flush.scheduler.interval.ms') >= Number.MAX_SAFE_INTEGER ? 0 : config.int('log.flush.scheduler.interval.ms'),
      warn: (m) => log('warn', m),
    });
    let groups: GroupCoordinator | undefined;
    try {
      const listener = config.listeners[0]!;
      const advertised = config.advertisedListeners[0]!;
      const replicas = new ReplicaManager(logManager, replicaManagerOptions(config, brokerId, log));
      replicas.startIsrExpiration();
      const endpoint: BrokerEndpoint = { nodeId: brokerId, host: '', port: 0, rack: null };
      const topics = new TopicManager(topicStore, replicas, config.topicDefaults, () => [brokerId], {
        numPartitions: config.int('num.partitions'),
        replicationFactor: config.int('default.replication.factor'),
        deleteTopicEnable: config.bool('delete.topic.enable'),
      });
      await topics.load();
      groups = GroupCoordinator.forBroker(config, topics, () => context.liveBrokers().length, log);
      let producerIds = Date.now() * 1000; // unique across restarts without a coordinator to ask
      const context: BrokerContext = {
        config,
        brokerId,
        clusterId,
        topics,
        replicas,
        fetchSessions: new FetchSessionCache(config.int('max.incremental.fetch.session.cache.slots')),
        liveBrokers: () => [endpoint],
        controllerId: () => brokerId,
        nextProducerId: () => producerIds++,
        log,
        groups,
      };
      // __consumer_offsets loads in the background; its groups answer COORDINATOR_LOAD_IN_PROGRESS until then.
      void groups.startup();
      let apis: KafkaApis | undefined;
      const handlers = [apiVersionsHandler(() => apis!.supportedVersions()), ...API_HANDLERS];
      apis = new KafkaApis(handlers, context);
      const server = new SocketServer({
        host: listener.host,
        port: listener.port,
        maxRequestBytes: config.int('socket.request.max.bytes'),
        maxInFlight: config.int('queued.max.requests'),
        connectionsMaxIdleMs: config.int('connections.max.idle.ms'),
        maxResponseBytes: config.int('queued.max.response.bytes'),
        handle: (frame, clientAddress, allowance) => apis!.handle(frame, clientAddress, allowance),
        log,
      });
      const port = await server.listen();
      endpoint.host = advertised.host === '' || advertised.host === '0.0.0.0' || advertised.host === '::' ? hostname() : advertised.host;
      endpoint.port = advertised.port === 0 || advertised.port === listener.port ? port : advertised.port;
      const broker = new Broker(config, logManager, context, server, port);
      const every = config.int('log.flush.offset.checkpoint.interval.ms');
      if (every > 0) {
        broker.checkpointTimer = setInterval(() => void logManager.checkpoint().catch((e: unknown) => log('warn', `checkpoint failed: ${(e as Error).message}`)), every);
        broker.checkpointTimer.unref();
      }
      log('info', `broker ${brokerId} of cluster ${clusterId} listening on ${listener.host || '*'}:${port} (log.dirs ${config.logDirs.join(',')}, storage.backend ${String(config.topicDefaults['storage.backend'] ?? 'file')})`);
      return broker;
    } catch (e) {
      await groups?.shutdown();
      await logManager.close();
      throw e;
    }
  }

  /** Graceful shutdown: stop accepting, answer what is in flight (waiting fetches return now), flush and close the logs. */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      if (this.checkpointTimer) clearInterval(this.checkpointTimer);
      const closing = this.server.close();
      const replicasStopped = this.context.replicas.shutdown();
      const groupsStopped = this.context.groups?.shutdown();
      await closing;
      await replicasStopped;
      await groupsStopped;
      await this.logManager.close();
    })();
    return this.stopping;
  }
}

function replicaManagerOptions(config: BrokerConfig, brokerId: number, log: BrokerLog): ReplicaManagerOptions {
  return {
    brokerId,
    replicaLagTimeMaxMs: config.int('replica.lag.time.max.ms'),
    numReplicaFetchers: config.int('num.replica.fetchers'),
    fetcher: {
      fetchMaxBytes: config.int('replica.fetch.max.bytes'),
      responseMaxBytes: config.int('replica.fetch.response.max.bytes'),
      maxWaitMs: config.int('replica.fetch.wait.max.ms'),
      minBytes: config.int('replica.fetch.min.bytes'),
      backoffMs: config.int('replica.fetch.backoff.ms'),
      socketTimeoutMs: config.int('replica.socket.timeout.ms'),
    },
    log,
  };
}
