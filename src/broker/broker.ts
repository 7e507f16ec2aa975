import { hostname } from 'node:os';
import { LogManager } from '../../storage/log/log-manager.js';
import { BrokerConfig } from './broker-config.js';
import { oneLineLog, type BrokerLog } from './broker-log.js';
import type { BrokerContext, BrokerEndpoint } from './broker-context.js';
import { GroupCoordinator } from './group/group-coordinator.js';
import { apiVersionsHandler } from './handlers/api-versions.js';
import { API_HANDLERS, CLUSTER_API_HANDLERS } from './handlers/index.js';
import { KafkaApis } from './kafka-apis.js';
import { prepareLogDirs } from './log-dirs.js';
import { ensureMetaProperties } from './meta-properties.js';
import { ClusterMember } from './cluster/cluster-member.js';
import { KafkaController, type KafkaControllerConfig } from './controller/kafka-controller.js';
import { assignReplicasToBrokers, startIndexForNewPartitions } from './controller/replica-assignment.js';
import { OFFSETS_TOPIC } from './group/offsets-topic.js';
import { TopicManager } from './metadata/topic-manager.js';
import { TopicPlanner, type ReplicaPlacement } from './metadata/topic-planner.js';
import type { Topics } from './metadata/topics.js';
import { TopicStore } from './metadata/topic-store.js';
import { SocketServer } from './network/socket-server.js';
import { FetchSessionCache } from './replica/fetch-session-cache.js';
import { ReplicaManager, type ReplicaManagerOptions } from './replica/replica-manager.js';
import { TransactionCoordinator, type TransactionNetwork } from './transaction/transaction-coordinator.js';
import { TRANSACTION_STATE_TOPIC } from './transaction/transaction-topic.js';
import { AddPartitionsToTxnManager } from './transaction/add-partitions-to-txn-manager.js';

export interface BrokerOptions {
  /** Where log lines go (each message one line, control characters escaped); stderr by default. */
  log?: BrokerLog;
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
    /** This broker's part in a cluster; undefined for a single broker. */
    private readonly cluster: ClusterMember | undefined,
    /** The port actually bound (the configured one, or the kernel's choice for port 0). */
    readonly port: number,
  ) {}

  static async start(settings: BrokerConfig | Readonly<Record<string, unknown>> = {}, options: BrokerOptions = {}): Promise<Broker> {
    const config = settings instanceof BrokerConfig ? settings : new BrokerConfig(settings);
    const log = oneLineLog(options.log);
    for (const key of config.unknownKeys) log('warn', `the configuration '${key}' was supplied but isn't a known config`);
    for (const warning of config.deprecationWarnings()) log('warn', warning);
    prepareLogDirs(config.logDirs, config.logDirsKey);
    // With zookeeper.connect the broker is one of a cluster; without it, a single broker keeping its topics in a file.
    const cluster = config.string('zookeeper.connect') ? await ClusterMember.join(config, log) : undefined;
    const { brokerId, clusterId } = cluster?.identity ?? ensureMetaProperties(config.logDirs, config.brokerId, config.string('cluster.id'), config.int('reserved.broker.max.id'));
    const topicStore = cluster ? undefined : TopicStore.open(config.logDirs[0]!);
    let logManager: LogManager;
    try {
      logManager = await LogManager.open({
        topicConfigs: (topic) => (cluster ? cluster.topicConfigs.get(topic) : topicStore!.get(topic)?.configs),
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
    } catch (e) {
      await cluster?.leave();
      throw e;
    }
    let groups: GroupCoordinator | undefined;
    let transactions: TransactionCoordinator | undefined;
    let verifier: AddPartitionsToTxnManager | undefined;
    let replicas: ReplicaManager | undefined;
    try {
      const listener = config.listeners[0]!;
      const advertised = config.advertisedListeners[0]!;
      replicas = new ReplicaManager(logManager, {
        ...replicaManagerOptions(config, brokerId, log),
        isrWriter: cluster?.isrWriter,
        knowsPartition: cluster ? (topic, index) => cluster.metadata.partition(topic, index) !== undefined : undefined,
      });
      replicas.startIsrExpiration();
      const endpoint: BrokerEndpoint = { nodeId: brokerId, host: '', port: 0, rack: null };
      const planDefaults = { numPartitions: config.int('num.partitions'), replicationFactor: config.int('default.replication.factor') };
      const warn = (m: string) => log('warn', m);
      let topics: Topics;
      if (cluster) {
        cluster.onTopicConfigChange((topic, configs) => logManager.setTopicConfig(topic, configs));
        topics = cluster.topics(new TopicPlanner(config.topicDefaults, planDefaults, () => cluster.metadata.aliveBrokers(), kafkaPlacement, warn));
      } else {
        const local = new TopicManager(topicStore!, replicas, config.topicDefaults, () => [brokerId], { ...planDefaults, deleteTopicEnable: config.bool('delete.topic.enable'), warn });
        await local.load();
        topics = local;
      }
      groups = GroupCoordinator.forBroker(config, topics, replicas, () => context.liveBrokers().length, log);
      if (cluster) followOffsetsLeadership(replicas, groups);
      let producerIds = Date.now() * 1000; // unique across restarts without a coordinator to ask
      let boundPort = 0; // known once the server listens; markers go out only after
      const network = transactionNetwork(config, brokerId, topics, cluster, () => ({ host: listener.host, port: boundPort }));
      transactions = TransactionCoordinator.forBroker(config, brokerId, topics, replicas, () => context.liveBrokers().length, () => context.nextProducerId(), network, log);
      if (cluster) followTransactionStateLeadership(replicas, transactions);
      const coordinator = transactions;
      if (config.bool('transaction.partition.verification.enable')) {
        verifier = new AddPartitionsToTxnManager(coordinator, {
          brokerId,
          coordinatorOf: (id) => (topics.get(TRANSACTION_STATE_TOPIC) ? (topics.partitionMetadata(TRANSACTION_STATE_TOPIC, coordinator.partitionFor(id))?.leader ?? -1) : brokerId),
          endpointOf: network.endpointOf,
          requestTimeoutMs: config.int('request.timeout.ms'),
          log,
        });
      }
      const context: BrokerContext = {
        config,
        brokerId,
        clusterId,
        topics,
        replicas,
        fetchSessions: new FetchSessionCache(config.int('max.incremental.fetch.session.cache.slots')),
        liveBrokers: cluster ? () => cluster.liveBrokers(advertised.name) : () => [endpoint],
        controllerId: cluster ? () => cluster.metadata.controllerId : () => brokerId,
        nextProducerId: cluster ? () => cluster.producerIds.nextProducerId() : () => producerIds++,
        log,
        groups,
        transactions,
        addPartitionsToTxnManager: verifier,
        cluster,
      };
      // __consumer_offsets loads in the background; its groups answer COORDINATOR_LOAD_IN_PROGRESS until then.
      // A single broker leads every partition of it; in a cluster the controller says which (followOffsetsLeadership).
      void groups.startup(!cluster);
      // The same for __transaction_state: a single broker loads every partition at its leader epoch now.
      void transactions.startup(!cluster, (p) => replicas!.getPartition(TRANSACTION_STATE_TOPIC, p)?.leaderEpoch ?? 0);
      let apis: KafkaApis | undefined;
      const handlers = [apiVersionsHandler(() => apis!.supportedVersions()), ...API_HANDLERS, ...(cluster ? CLUSTER_API_HANDLERS : [])];
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
      boundPort = port;
      endpoint.host = advertised.host === '' || advertised.host === '0.0.0.0' || advertised.host === '::' ? hostname() : advertised.host;
      endpoint.port = advertised.port === 0 || advertised.port === listener.port ? port : advertised.port;
      const broker = new Broker(config, logManager, context, server, cluster, port);
      if (cluster) {
        // Listening first: the controller may send LeaderAndIsr as soon as the registration appears.
        await cluster.register([{ name: advertised.name, host: endpoint.host, port: endpoint.port }]);
        await cluster.startController(new KafkaController({ zk: cluster.zk, brokerId, brokerEpoch: () => cluster.registration.epoch, config: controllerConfig(config), interBrokerListenerName: interBrokerListener(config), log }));
      }
      // High watermarks are checkpointed every replica.high.watermark.checkpoint.interval.ms in a cluster; the other checkpoints ride along.
      const every = cluster ? config.int('replica.high.watermark.checkpoint.interval.ms') : config.int('log.flush.offset.checkpoint.interval.ms');
      if (every > 0) {
        broker.checkpointTimer = setInterval(() => void logManager.checkpoint().catch((e: unknown) => log('warn', `checkpoint failed: ${(e as Error).message}`)), every);
        broker.checkpointTimer.unref();
      }
      log('info', `broker ${brokerId} of cluster ${clusterId} listening on ${listener.host || '*'}:${port} (log.dirs ${config.logDirs.join(',')}, storage.backend ${String(config.topicDefaults['storage.backend'] ?? 'file')}${cluster ? `, zookeeper.connect ${config.string('zookeeper.connect')}` : ''})`);
      return broker;
    } catch (e) {
      verifier?.close();
      await transactions?.shutdown();
      await groups?.shutdown();
      await replicas?.shutdown();
      await cluster?.leave();
      await logManager.close();
      throw e;
    }
  }

  /**
   * Graceful shutdown: in a cluster, a controlled shutdown first (the
   * controller moves this broker's leaderships away); then stop accepting,
   * answer what is in flight (waiting fetches return now), stop replicating,
   * leave ZooKeeper, flush and close the logs.
   */
  stop(): Promise<void> {
    this.stopping ??= (async () => {
      const cluster = this.cluster;
      // A leaving broker follows nothing, from now on: fetching on, it would be taken back into
      // the ISRs the controlled shutdown takes it out of, and a fetcher the controller's
      // LeaderAndIsr started while the server closes would keep the process alive.
      await this.context.replicas.stopFetchers();
      if (cluster && this.config.bool('controlled.shutdown.enable')) await cluster.controlledShutdown(interBrokerListener(this.config));
      if (this.checkpointTimer) clearInterval(this.checkpointTimer);
      const closing = this.server.close();
      const replicasStopped = this.context.replicas.shutdown();
      const groupsStopped = this.context.groups?.shutdown();
      this.context.addPartitionsToTxnManager?.close();
      const transactionsStopped = this.context.transactions?.shutdown();
      await closing;
      await replicasStopped;
      await groupsStopped;
      await transactionsStopped;
      await cluster?.leave();
      await this.logManager.close();
    })();
    return this.stopping;
  }
}

/** inter.broker.listener.name, else the first listener's name. */
function interBrokerListener(config: BrokerConfig): string {
  return config.string('inter.broker.listener.name') || config.listeners[0]!.name;
}

function controllerConfig(config: BrokerConfig): KafkaControllerConfig {
  return {
    uncleanLeaderElectionEnable: config.topicDefaults['unclean.leader.election.enable'] === true || config.topicDefaults['unclean.leader.election.enable'] === 'true',
    autoLeaderRebalanceEnable: config.bool('auto.leader.rebalance.enable'),
    leaderImbalanceCheckIntervalSeconds: config.int('leader.imbalance.check.interval.seconds'),
    leaderImbalancePerBrokerPercentage: config.int('leader.imbalance.per.broker.percentage'),
    deleteTopicEnable: config.bool('delete.topic.enable'),
  };
}

/** The group coordinator follows the leadership of __consumer_offsets' partitions: it loads a partition's groups when this broker starts leading it, unloads them when it stops. */
function followOffsetsLeadership(replicas: ReplicaManager, groups: GroupCoordinator): void {
  replicas.onLeadershipChange((led, followed) => {
    for (const p of led) if (p.topic === OFFSETS_TOPIC) void groups.onElection(p.index);
    for (const p of followed) if (p.topic === OFFSETS_TOPIC) groups.onResignation(p.index);
  });
}

/** The transaction coordinator follows the leadership of __transaction_state's partitions, at each partition's leader epoch (its coordinator epoch). */
function followTransactionStateLeadership(replicas: ReplicaManager, transactions: TransactionCoordinator): void {
  replicas.onLeadershipChange((led, followed) => {
    for (const p of led) if (p.topic === TRANSACTION_STATE_TOPIC) void transactions.onElection(p.index, p.leaderEpoch);
    for (const p of followed) if (p.topic === TRANSACTION_STATE_TOPIC) transactions.onResignation(p.index);
  });
}

/**
 * Where the transaction coordinator's requests go: each partition's leader
 * by the broker's metadata, at its endpoint on the inter-broker listener
 * (a single broker reaches itself on its own listener).
 */
function transactionNetwork(config: BrokerConfig, brokerId: number, topics: Topics, cluster: ClusterMember | undefined, self: () => { host: string; port: number }): TransactionNetwork {
  const listenerName = interBrokerListener(config);
  return {
    leaderOf: (tp) => {
      const info = topics.get(tp.topic);
      if (!info || tp.partition < 0 || tp.partition >= info.replicas.length) return undefined;
      return topics.partitionMetadata(tp.topic, tp.partition)?.leader ?? -1;
    },
    endpointOf: (id) => {
      if (!cluster) {
        if (id !== brokerId) return undefined;
        const { host, port } = self();
        return { host: host === '' || host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host, port };
      }
      if (!cluster.metadata.isAlive(id)) return undefined;
      const endpoint = cluster.metadata.broker(id)?.endpoints.find((e) => e.listener === listenerName);
      return endpoint ? { host: endpoint.host || 'localhost', port: endpoint.port } : undefined;
    },
  };
}

/** Kafka's replica placement (AdminUtils): a random start, shifting followers, alternating racks when brokers have them. */
const kafkaPlacement: ReplicaPlacement = (count, factor, brokers, firstPartition, partition0) => {
  const start = partition0 ? startIndexForNewPartitions(brokers, partition0) : undefined;
  const assignment = assignReplicasToBrokers(brokers, count, factor, { startPartitionId: firstPartition, fixedStartIndex: start });
  return [...assignment.keys()].sort((a, b) => a - b).map((p) => assignment.get(p)!);
};

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
