import { closestName } from '../../storage/config/did-you-mean.js';
import { LogManager } from '../../storage/log/log-manager.js';
import type { ClientSecurity } from '../clients/network/client-security.js';
import { AclAuthorizer } from './authorizer/acl-authorizer.js';
import { FileAclStore } from './authorizer/acl-store.js';
import { parseSuperUsers } from './authorizer/authorizer-config.js';
import { ZkAclStore } from './authorizer/zk-acl-store.js';
import { BrokerConfig } from './broker-config.js';
import type { BrokerContext } from './broker-context.js';
import { type BrokerLog, oneLineLog } from './broker-log.js';
import { ClusterMember } from './cluster/cluster-member.js';
import { ZkEntityConfigs } from './cluster/zk-entity-configs.js';
import { KafkaController, type KafkaControllerConfig } from './controller/kafka-controller.js';
import { assignReplicasToBrokers, startIndexForNewPartitions } from './controller/replica-assignment.js';
import { BrokerLoggers } from './dynamic/broker-loggers.js';
import { DynamicBrokerConfig } from './dynamic/dynamic-broker-config.js';
import { knownBrokerSettingNames } from './dynamic/dynamic-config-keys.js';
import { FileDynamicConfigStore, ZkDynamicConfigStore } from './dynamic/dynamic-config-store.js';
import { followDynamicListeners } from './dynamic/dynamic-listeners.js';
import { cleanerSettings, followDynamicConfig } from './dynamic/follow-dynamic-config.js';
import { GroupCoordinator } from './group/group-coordinator.js';
import { OFFSETS_TOPIC } from './group/offsets-topic.js';
import { apiVersionsHandler } from './handlers/api-versions.js';
import { API_HANDLERS, CLUSTER_API_HANDLERS } from './handlers/index.js';
import { writeTxnMarkers } from './handlers/write-txn-markers.js';
import { BrokerMetrics } from './http/broker-metrics.js';
import type { BrokerView } from './http/broker-view.js';
import { HttpListener, parseHttpListeners } from './http/http-listener.js';
import { LeaderOffsets, localLatestOffsets } from './http/latest-offsets.js';
import { KafkaApis } from './kafka-apis.js';
import { prepareLogDirs } from './log-dirs.js';
import { ensureMetaProperties } from './meta-properties.js';
import { TopicManager } from './metadata/topic-manager.js';
import { type ReplicaPlacement, TopicPlanner } from './metadata/topic-planner.js';
import { TopicStore } from './metadata/topic-store.js';
import type { Topics } from './metadata/topics.js';
import { BrokerListeners } from './network/broker-listeners.js';
import { ResponseMemory } from './network/response-memory.js';
import { ClientQuotaManager } from './quota/client-quota-manager.js';
import { ClientQuotaStore } from './quota/client-quota-store.js';
import { FetchSessionCache } from './replica/fetch-session-cache.js';
import { ReplicaManager, type ReplicaManagerOptions } from './replica/replica-manager.js';
import { interBrokerSecurity } from './security/inter-broker-security.js';
import { ListenerSecurity } from './security/listener-security.js';
import { ScramCredentialStore } from './security/scram-credential-store.js';
import { AddPartitionsToTxnManager } from './transaction/add-partitions-to-txn-manager.js';
import { TransactionCoordinator, type TransactionNetwork } from './transaction/transaction-coordinator.js';
import { TRANSACTION_STATE_TOPIC } from './transaction/transaction-topic.js';

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
  private http: HttpListener | undefined;
  /** The connections group lag asks partition leaders through, in a cluster serving http.listeners. */
  private leaderOffsets: LeaderOffsets | undefined;
  private boundHttpPorts: readonly number[] = [];

  private constructor(
    readonly config: BrokerConfig,
    readonly logManager: LogManager,
    readonly context: BrokerContext,
    /** The listeners running now: those of server.properties and those added or removed while the broker runs. */
    private readonly listeners: BrokerListeners,
    /** This broker's part in a cluster; undefined for a single broker. */
    private readonly cluster: ClusterMember | undefined,
    /** How this broker secures its connections to the others (the inter-broker listener's TLS and SASL). */
    private readonly interBrokerSecurity: ClientSecurity | undefined,
  ) {}

  /** The ports `http.listeners` bound, in its order (none when it is empty). */
  get httpPorts(): readonly number[] {
    return this.boundHttpPorts;
  }

  /** The port each running listener bound (the configured one, or the kernel's choice for port 0), by listener name. */
  get ports(): ReadonlyMap<string, number> {
    return this.listeners.ports;
  }

  /** The first listener's bound port. */
  get port(): number {
    return this.ports.values().next().value!;
  }

  static async start(settings: BrokerConfig | Readonly<Record<string, unknown>> = {}, options: BrokerOptions = {}): Promise<Broker> {
    const config = settings instanceof BrokerConfig ? settings : new BrokerConfig(settings);
    const loggers = new BrokerLoggers();
    const log = loggers.filter(oneLineLog(options.log));
    for (const key of config.unknownKeys) log('warn', `the configuration '${key}' was supplied but isn't a known config${didYouMean(key)}`);
    for (const warning of config.deprecationWarnings()) log('warn', warning);
    const httpEndpoints = parseHttpListeners(config.list('http.listeners'));
    prepareLogDirs(config.logDirs, config.logDirsKey);
    // Every listener's security is settled before anything starts: a listener that cannot be secured as asked refuses to start the broker.
    const scramCredentials = ScramCredentialStore.open(config.logDirs[0]!);
    const quotas = new ClientQuotaManager(ClientQuotaStore.open(config.logDirs[0]!), {
      samples: config.int('quota.window.num'),
      windowMs: config.int('quota.window.size.seconds') * 1000,
      controllerSamples: config.int('controller.quota.window.num'),
      controllerWindowMs: config.int('controller.quota.window.size.seconds') * 1000,
    });
    const listenerSecurity = new Map(config.listeners.map((l) => [l.name, new ListenerSecurity(config, l, scramCredentials, log)]));
    // A single broker never connects to itself (its transaction markers are written in-process).
    const security = config.string('zookeeper.connect') ? interBrokerSecurity(config) : undefined;
    // With zookeeper.connect the broker is one of a cluster; without it, a single broker keeping its topics in a file.
    const cluster = config.string('zookeeper.connect') ? await ClusterMember.join(config, log) : undefined;
    const { brokerId, clusterId } =
      cluster?.identity ?? ensureMetaProperties(config.logDirs, config.brokerId, config.string('cluster.id'), config.int('reserved.broker.max.id'));
    const topicStore = cluster ? undefined : TopicStore.open(config.logDirs[0]!);
    if (cluster) await keepUsersAndClientsInZooKeeper(cluster, scramCredentials, quotas.store, log);
    let logManager: LogManager;
    let dynamicConfig: DynamicBrokerConfig;
    try {
      // Before the logs open, so they open with the dynamic topic defaults.
      const dynamicStore = cluster ? new ZkDynamicConfigStore(cluster.zk) : new FileDynamicConfigStore(config.logDirs[0]!);
      dynamicConfig = await DynamicBrokerConfig.load(config, brokerId, dynamicStore, log);
      const cleaner = cleanerSettings(dynamicConfig.current);
      logManager = await LogManager.open({
        topicConfigs: (topic) => (cluster ? cluster.topicConfigs.get(topic) : topicStore!.get(topic)?.configs),
        logDirs: config.logDirs,
        defaults: config.topicDefaults,
        level: config.levelOptions,
        retentionCheckIntervalMs: config.int('log.retention.check.interval.ms'),
        producerIdExpirationMs: dynamicConfig.current.int('producer.id.expiration.ms'),
        cleanerEnable: config.bool('log.cleaner.enable'),
        cleanerBackoffMs: cleaner.backoffMs,
        cleanerThreads: cleaner.threads,
        cleanerDedupeBufferSize: cleaner.dedupeBufferSize,
        cleanerDedupeBufferLoadFactor: cleaner.dedupeBufferLoadFactor,
        cleanerIoBufferSize: cleaner.ioBufferSize,
        cleanerIoMaxBytesPerSecond: cleaner.maxIoBytesPerSecond,
        flushSchedulerIntervalMs: config.int('log.flush.scheduler.interval.ms') >= Number.MAX_SAFE_INTEGER ? 0 : config.int('log.flush.scheduler.interval.ms'),
        warn: (m) => log('warn', m),
        info: (m) => log('info', m),
      });
    } catch (e) {
      await cluster?.leave();
      throw e;
    }
    let groups: GroupCoordinator | undefined;
    let transactions: TransactionCoordinator | undefined;
    let verifier: AddPartitionsToTxnManager | undefined;
    let replicas: ReplicaManager | undefined;
    let listeners: BrokerListeners | undefined;
    let http: HttpListener | undefined;
    let leaderOffsets: LeaderOffsets | undefined;
    try {
      replicas = new ReplicaManager(logManager, {
        // The settings in effect: num.replica.fetchers set dynamically holds from the start.
        ...replicaManagerOptions(dynamicConfig.current, brokerId, security, log),
        isrWriter: cluster?.isrWriter,
        knowsPartition: cluster ? (topic, index) => cluster.metadata.partition(topic, index) !== undefined : undefined,
      });
      replicas.startIsrExpiration();
      const planDefaults = { numPartitions: config.int('num.partitions'), replicationFactor: config.int('default.replication.factor') };
      const warn = (m: string) => log('warn', m);
      let topics: Topics;
      followDynamicConfig(dynamicConfig, () => topics, logManager, replicas, log);
      if (cluster) {
        cluster.topicConfigs.onBrokerConfigChange((name) => dynamicConfig.reload(name));
        cluster.onTopicConfigChange((topic, configs) => logManager.setTopicConfig(topic, configs));
        topics = cluster.topics(new TopicPlanner(config.topicDefaults, planDefaults, () => cluster.metadata.aliveBrokers(), kafkaPlacement, warn));
      } else {
        const local = new TopicManager(topicStore!, replicas, config.topicDefaults, () => [brokerId], {
          ...planDefaults,
          deleteTopicEnable: config.bool('delete.topic.enable'),
          warn,
        });
        await local.load();
        topics = local;
      }
      groups = GroupCoordinator.forBroker(config, topics, replicas, () => context.liveBrokers().length, log);
      if (cluster) followOffsetsLeadership(replicas, groups);
      let producerIds = Date.now() * 1000; // unique across restarts without a coordinator to ask
      const network = transactionNetwork(config, topics, cluster, security, (request) => writeTxnMarkers(context, request));
      transactions = TransactionCoordinator.forBroker(
        config,
        brokerId,
        topics,
        replicas,
        () => context.liveBrokers().length,
        () => context.nextProducerId(),
        network,
        log,
      );
      if (cluster) followTransactionStateLeadership(replicas, transactions);
      const coordinator = transactions;
      if (config.bool('transaction.partition.verification.enable')) {
        verifier = new AddPartitionsToTxnManager(coordinator, {
          brokerId,
          coordinatorOf: (id) =>
            topics.get(TRANSACTION_STATE_TOPIC) ? (topics.partitionMetadata(TRANSACTION_STATE_TOPIC, coordinator.partitionFor(id))?.leader ?? -1) : brokerId,
          endpointOf: network.endpointOf,
          requestTimeoutMs: config.int('request.timeout.ms'),
          security,
          log,
        });
      }
      const authorizer = config.string('authorizer.class.name').trim()
        ? await AclAuthorizer.open(
            // A cluster keeps its ACLs in ZooKeeper, as Kafka's ZooKeeper-mode AclAuthorizer; a single broker beside its topics.
            cluster ? new ZkAclStore(cluster.zk.zk, log) : new FileAclStore(config.logDirs[0]!),
            parseSuperUsers(config.string('super.users')),
            config.bool('allow.everyone.if.no.acl.found'),
          )
        : undefined;
      const context: BrokerContext = {
        config,
        dynamicConfig,
        loggers,
        brokerId,
        clusterId,
        topics,
        replicas,
        fetchSessions: new FetchSessionCache(config.int('max.incremental.fetch.session.cache.slots')),
        liveBrokers: cluster
          ? (listenerName) => cluster.liveBrokers(listenerName ?? config.advertisedListeners[0]!.name)
          : (listenerName) => [running.endpoint(listenerName)],
        controllerId: cluster ? () => cluster.metadata.controllerId : () => brokerId,
        nextProducerId: cluster ? () => cluster.producerIds.nextProducerId() : () => producerIds++,
        log,
        scramCredentials,
        authorizer,
        quotas,
        groups,
        transactions,
        addPartitionsToTxnManager: verifier,
        cluster,
        metrics: httpEndpoints.length > 0 ? new BrokerMetrics() : undefined,
      };
      // __consumer_offsets loads in the background; its groups answer COORDINATOR_LOAD_IN_PROGRESS until then.
      // A single broker leads every partition of it; in a cluster the controller says which (followOffsetsLeadership).
      void groups.startup(!cluster);
      // The same for __transaction_state: a single broker loads every partition at its leader epoch now.
      void transactions.startup(!cluster, (p) => replicas!.getPartition(TRANSACTION_STATE_TOPIC, p)?.leaderEpoch ?? 0);
      let apis: KafkaApis | undefined;
      const handlers = [apiVersionsHandler(() => apis!.supportedVersions()), ...API_HANDLERS, ...(cluster ? CLUSTER_API_HANDLERS : [])];
      apis = new KafkaApis(handlers, context);
      const running = (listeners = new BrokerListeners({
        brokerId,
        config,
        responseMemory: new ResponseMemory(config.int('queued.max.response.bytes')),
        apis: () => apis!,
        security: (settings, listener) => new ListenerSecurity(settings, listener, scramCredentials, log),
        log,
      }));
      // The listeners in effect: server.properties' with those the dynamic configs add or remove.
      await running.start(dynamicConfig.current, listenerSecurity);
      followDynamicListeners(dynamicConfig, running, {
        reregister: cluster && ((endpoints) => cluster.updateRegistration(endpoints)),
      });
      const broker = new Broker(config, logManager, context, running, cluster, security);
      if (context.metrics) {
        // Group lag, as kafka_exporter's: each partition's latest offset from its leader, this broker's own from its logs.
        if (cluster) {
          leaderOffsets = new LeaderOffsets(replicas, {
            brokerId,
            leaderOf: (tp) => topics.partitionMetadata(tp.topic, tp.partition)?.leader ?? -1,
            endpointOf: network.endpointOf,
            security,
            log,
          });
          broker.leaderOffsets = leaderOffsets;
        }
        // Before registering: /health answers 503 until the cluster knows this broker.
        const view: BrokerView = {
          context,
          metrics: context.metrics,
          latestOffsets: leaderOffsets?.lookup ?? localLatestOffsets(replicas),
          listeners: () => running.servers().map((s) => ({ name: s.name, connections: s.connectionCount, pendingRequests: s.pendingRequests })),
          unavailable: () => broker.unavailable(),
        };
        const started = await HttpListener.start(httpEndpoints, view, log);
        http = broker.http = started.listener;
        broker.boundHttpPorts = started.ports;
      }
      if (cluster) {
        // Listening first: the controller may send LeaderAndIsr as soon as the registration appears.
        await cluster.register(running.advertisedListeners());
        await cluster.startController(
          new KafkaController({
            zk: cluster.zk,
            brokerId,
            brokerEpoch: () => cluster.registration.epoch,
            config: controllerConfig(config),
            interBrokerListenerName: interBrokerListener(config),
            security,
            log,
          }),
        );
      }
      // High watermarks are checkpointed every replica.high.watermark.checkpoint.interval.ms in a cluster; the other checkpoints ride along.
      const every = cluster ? config.int('replica.high.watermark.checkpoint.interval.ms') : config.int('log.flush.offset.checkpoint.interval.ms');
      if (every > 0) {
        broker.checkpointTimer = setInterval(
          () => void logManager.checkpoint().catch((e: unknown) => log('warn', `checkpoint failed: ${(e as Error).message}`)),
          every,
        );
        broker.checkpointTimer.unref();
      }
      const bound = [
        ...running.listeners().map((l) => `${l.name} (${l.securityProtocol}) ${l.host || '*'}:${running.ports.get(l.name)}`),
        ...httpEndpoints.map((e, i) => `http://${e.host || '*'}:${broker.httpPorts[i]} (metrics, console, health)`),
      ].join(', ');
      log(
        'info',
        `broker ${brokerId} of cluster ${clusterId} listening on ${bound} (log.dirs ${config.logDirs.join(',')}, storage.backend ${String(config.topicDefaults['storage.backend'] ?? 'file')}${cluster ? `, zookeeper.connect ${config.string('zookeeper.connect')}` : ''})`,
      );
      return broker;
    } catch (e) {
      await http?.close();
      leaderOffsets?.close();
      await listeners?.close();
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
      if (cluster && this.config.bool('controlled.shutdown.enable'))
        await cluster.controlledShutdown(interBrokerListener(this.config), this.interBrokerSecurity);
      if (this.checkpointTimer) clearInterval(this.checkpointTimer);
      const closing = this.listeners.close();
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
    })().finally(async () => {
      await this.http?.close(); // last: load balancers and supervisors see 503 while the broker stops
      this.leaderOffsets?.close();
    });
    return this.stopping;
  }

  /** Why /health answers 503: stopping, or in a cluster not (yet, or any more) one of the live brokers; undefined while serving. */
  unavailable(): string | undefined {
    if (this.stopping) return 'stopping';
    const cluster = this.cluster;
    if (!cluster) return undefined;
    const registered = (() => {
      try {
        return cluster.registration.epoch >= 0n;
      } catch {
        return false;
      }
    })();
    if (!registered) return 'not registered in ZooKeeper';
    if (!cluster.metadata.isAlive(this.context.brokerId)) return "not among the live brokers of the controller's metadata yet";
    return undefined;
  }
}

/** " (did you mean log.segment.bytes?)" for a key one typo away from a known setting, else nothing. */
function didYouMean(key: string): string {
  const hint = closestName(key, knownBrokerSettingNames());
  return hint ? ` (did you mean ${hint}?)` : '';
}

function interBrokerListener(config: BrokerConfig): string {
  return config.interBrokerListenerName;
}

function controllerConfig(config: BrokerConfig): KafkaControllerConfig {
  return {
    // Read at each election: a dynamic default (samsa configs --entity-default) changes it while the controller runs.
    get uncleanLeaderElectionEnable() {
      return config.topicDefaults['unclean.leader.election.enable'] === true || config.topicDefaults['unclean.leader.election.enable'] === 'true';
    },
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
 * by the broker's metadata, at its endpoint on the inter-broker listener;
 * this broker's own partitions in-process (so a single broker never
 * connects to itself, whatever its listeners' security).
 */
function transactionNetwork(
  config: BrokerConfig,
  topics: Topics,
  cluster: ClusterMember | undefined,
  security: ClientSecurity | undefined,
  writeLocally: TransactionNetwork['writeLocally'],
): TransactionNetwork {
  const listenerName = interBrokerListener(config);
  return {
    leaderOf: (tp) => {
      const info = topics.get(tp.topic);
      if (!info || tp.partition < 0 || tp.partition >= info.replicas.length) return undefined;
      return topics.partitionMetadata(tp.topic, tp.partition)?.leader ?? -1;
    },
    endpointOf: (id) => {
      if (!cluster?.metadata.isAlive(id)) return undefined;
      const endpoint = cluster.metadata.broker(id)?.endpoints.find((e) => e.listener === listenerName);
      return endpoint ? { host: endpoint.host || 'localhost', port: endpoint.port } : undefined;
    },
    writeLocally,
    security,
  };
}

/** Kafka's replica placement (AdminUtils): a random start, shifting followers, alternating racks when brokers have them. */
const kafkaPlacement: ReplicaPlacement = (count, factor, brokers, firstPartition, partition0) => {
  const start = partition0 ? startIndexForNewPartitions(brokers, partition0) : undefined;
  const assignment = assignReplicasToBrokers(brokers, count, factor, { startPartitionId: firstPartition, fixedStartIndex: start });
  return [...assignment.keys()].sort((a, b) => a - b).map((p) => assignment.get(p)!);
};

function replicaManagerOptions(config: BrokerConfig, brokerId: number, security: ClientSecurity | undefined, log: BrokerLog): ReplicaManagerOptions {
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
      security,
    },
    log,
  };
}

/**
 * In a cluster SCRAM credentials and client quotas live in ZooKeeper, as
 * Kafka keeps them (/config/users, /config/clients): read at start, written
 * there by AlterUserScramCredentials and AlterClientQuotas on any broker,
 * and followed through /config/changes on every broker.
 */
async function keepUsersAndClientsInZooKeeper(cluster: ClusterMember, scram: ScramCredentialStore, quotas: ClientQuotaStore, log: BrokerLog): Promise<void> {
  const configs = new ZkEntityConfigs(cluster.zk);
  scram.keepIn(configs);
  quotas.keepIn(configs);
  for (const { entityPath, config } of await configs.loadAll()) {
    scram.load(entityPath, config);
    quotas.load(entityPath, config);
  }
  cluster.topicConfigs.onUserOrClientChange(async (entityPath) => {
    const config = await configs.read(entityPath);
    scram.load(entityPath, config);
    quotas.load(entityPath, config);
    log('info', `the configs of ${entityPath} changed`);
  });
}
