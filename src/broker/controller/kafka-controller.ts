// Over 600 lines by a reason: the controller's event processing stays in one class, as Kafka's
// KafkaController; its parts (topics, reassignments, deletions, broker watches) have files of their own.
import type { ClientSecurity } from '../../clients/network/client-security.js';
import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { ElectionType } from '../../protocol/messages/elect-leaders.js';
import { ControllerMovedError, type KafkaZkClient } from '../../zk/kafka-zk-client.js';
import {
  BROKER_IDS_PATH,
  CONTROLLER_PATH,
  DELETE_TOPICS_PATH,
  endpointString,
  ISR_CHANGE_NOTIFICATION_PATH,
  REASSIGN_PARTITIONS_PATH,
  TOPICS_PATH,
  type TopicPartition,
} from '../../zk/zk-data.js';
import { BrokerModificationWatches, sameEndpoints } from './broker-modifications.js';
import type { ControllerAdminApi, ElectionResult, OngoingReassignment, ReassignmentRequest, ReassignmentResult } from './controller-admin.js';
import { ControllerChannelManager, type ControllerLog, interBrokerEndpoint } from './controller-channel-manager.js';
import { ControllerContext, tpKey } from './controller-context.js';
import { ControllerEventManager } from './controller-event-manager.js';
import type { ApiCallbacks, KafkaControllerEvent } from './controller-events.js';
import { ControllerRequestBatch } from './controller-request-batch.js';
import { ControllerTopics } from './controller-topics.js';
import { partitionsToRebalance } from './leader-election.js';
import { PartitionReassignments } from './partition-reassignment.js';
import { PartitionStateMachine, type StateChangeFailure } from './partition-state-machine.js';
import { electLeadersForAdmin } from './replica-leader-election.js';
import { TopicDeletionManager } from './topic-deletion-manager.js';

/** The broker settings the controller reads, by Kafka's names in camelCase, with Kafka's defaults where optional. */
export interface KafkaControllerConfig {
  /** unclean.leader.election.enable (false); a topic's own setting overrides it. */
  uncleanLeaderElectionEnable: boolean;
  /** auto.leader.rebalance.enable (true) */
  autoLeaderRebalanceEnable: boolean;
  /** leader.imbalance.check.interval.seconds (300) */
  leaderImbalanceCheckIntervalSeconds: number;
  /** leader.imbalance.per.broker.percentage (10) */
  leaderImbalancePerBrokerPercentage: number;
  /** delete.topic.enable (true): when false, deletion requests are removed unserved, as Kafka does. */
  deleteTopicEnable?: boolean;
  /** controller.socket.timeout.ms (30000): how long a request to a broker may go unanswered. */
  controllerSocketTimeoutMs?: number;
}

export interface KafkaControllerOptions {
  zk: KafkaZkClient;
  brokerId: number;
  /** This broker's current registration epoch (the czxid of its /brokers/ids znode). */
  brokerEpoch: () => bigint;
  config: KafkaControllerConfig;
  /** inter.broker.listener.name: the listener of the brokers' registrations the controller connects to (PLAINTEXT). */
  interBrokerListenerName?: string;
  /** The inter-broker listener's TLS and SASL (plain TCP without). */
  security?: ClientSecurity;
  log?: ControllerLog;
}

/** Kafka's controller waits this long before reconnecting to a broker. */
const CHANNEL_RETRY_BACKOFF_MS = 100;
const STATE_CHANGE_HANDLER = 'controller';
/** The pause before an election that failed on ZooKeeper is tried again. */
const ELECTION_RETRY_BACKOFF_MS = 1000;

/**
 * The controller (Kafka's KafkaController in ZooKeeper mode). Every broker runs one; the one
 * holding /controller acts: it keeps the ControllerContext from ZooKeeper, elects partition
 * leaders, and tells brokers what to lead and follow (LeaderAndIsr), what the cluster looks
 * like (UpdateMetadata) and what to stop (StopReplica). Everything it does happens in events
 * processed one at a time (controller-events.ts); ZooKeeper watches, timers, broker answers
 * and the API calls (controlled shutdown, elections, reassignments) only queue them. A
 * controller whose ZooKeeper session expires stops at once and resigns before trying again
 * in the new session, so nothing is decided on a stale session; its ZooKeeper writes are
 * fenced by the controller epoch's znode version.
 */
export class KafkaController implements ControllerAdminApi {
  private readonly zk: KafkaZkClient;
  private readonly brokerId: number;
  private readonly config: Required<KafkaControllerConfig>;
  private readonly interBrokerListenerName: string;
  private readonly log: ControllerLog;
  private readonly context = new ControllerContext();
  private readonly events: ControllerEventManager<KafkaControllerEvent>;
  private readonly partitions: PartitionStateMachine;
  private readonly deletions: TopicDeletionManager;
  private readonly topics: ControllerTopics;
  private readonly reassignments: PartitionReassignments;
  private readonly brokerModifications: BrokerModificationWatches;
  private channels: ControllerChannelManager | undefined;
  private batch: ControllerRequestBatch | undefined;
  /** The controller's id as this broker last read /controller (-1: none). */
  private activeControllerId = -1;
  /** Set when the session expired, until the resignation: nothing is sent meanwhile. */
  private fenced = false;
  private started = false;
  private stopped = false;
  private rebalanceTimer: NodeJS.Timeout | undefined;
  private electionRetryTimer: NodeJS.Timeout | undefined;

  constructor(private readonly options: KafkaControllerOptions) {
    this.zk = options.zk;
    this.brokerId = options.brokerId;
    this.config = { deleteTopicEnable: true, controllerSocketTimeoutMs: 30_000, ...options.config };
    this.interBrokerListenerName = options.interBrokerListenerName ?? 'PLAINTEXT';
    const log = options.log ?? (() => {});
    this.log = (level, message) => log(level, `Controller ${this.brokerId}: ${message}`);
    this.events = new ControllerEventManager((event) => this.process(event), this.log);
    this.partitions = new PartitionStateMachine(this.context, this.zk, (topic) => this.uncleanLeaderElectionEnable(topic), this.log);
    this.reassignments = new PartitionReassignments(this.context, this.zk, this.partitions, this.log);
    this.deletions = new TopicDeletionManager(this.context, this.zk, {
      forgetTopic: (topic) => this.topics.unwatch(topic),
      // a topic waits for its reassignments before it is deleted
      mayDelete: (topic) => !this.reassignments.isReassigning(topic),
      log: this.log,
    });
    this.brokerModifications = new BrokerModificationWatches(this.zk.zk, (brokerId) => this.events.put({ name: 'BrokerModifications', brokerId }));
    this.topics = new ControllerTopics(this.context, this.zk, this.partitions, this.deletions, {
      deleteTopicEnable: this.config.deleteTopicEnable,
      onTopicChanged: (topic) => this.events.put({ name: 'PartitionModifications', topic }),
      log: this.log,
    });
  }

  /** Whether this broker is the controller now. */
  get isActive(): boolean {
    return this.activeControllerId === this.brokerId && !this.fenced;
  }

  /** The controller epoch this broker holds (0 while it is not the controller). */
  get epoch(): number {
    return this.isActive ? this.context.epoch : 0;
  }

  /** The controller's id as last seen in /controller (-1: none known). */
  get activeController(): number {
    return this.activeControllerId;
  }

  /**
   * Starts taking part in the election: watches /controller, follows the ZooKeeper session,
   * and tries to become the controller. Resolves once the first attempt is over.
   */
  async startup(): Promise<void> {
    if (this.started) return;
    this.started = true;
    this.zk.zk.registerStateChangeHandler({
      name: STATE_CHANGE_HANDLER,
      onSessionExpired: async () => {
        // stop acting before anything else runs; the Expire event finishes the resignation
        this.fenced = true;
        await this.events.clearAndPut({ name: 'Expire' });
      },
      onNewSession: () => this.events.put({ name: 'Reelect' }),
    });
    await this.events.putAndWait({ name: 'Startup' });
  }

  /** Resigns (giving up /controller if held), stops the event queue and closes the channels. */
  async shutdown(): Promise<void> {
    if (this.stopped) return;
    this.stopped = true;
    this.zk.zk.unregisterStateChangeHandler(STATE_CHANGE_HANDLER);
    this.zk.zk.unregisterZNodeChangeHandler(CONTROLLER_PATH);
    if (this.electionRetryTimer) clearTimeout(this.electionRetryTimer);
    await this.events.close();
    const wasActive = this.isActive;
    const epochZkVersion = this.context.epochZkVersion;
    this.resign();
    this.activeControllerId = -1;
    if (wasActive) {
      try {
        await this.zk.deleteController(epochZkVersion);
      } catch (error) {
        this.log('warn', `could not remove /controller at shutdown: ${(error as Error).message}`);
      }
    }
  }

  /**
   * The ControlledShutdown API (when this broker is the controller): moves the leaderships of
   * `brokerId` to other in-sync replicas, takes it out of ISRs and stops its follower
   * replicas; resolves to the partitions it still leads (empty: it may stop). KafkaError
   * NOT_CONTROLLER when this broker is not the controller, STALE_BROKER_EPOCH for a request
   * from an earlier registration, BROKER_NOT_AVAILABLE for a broker not registered.
   */
  controlledShutdown(brokerId: number, brokerEpoch: bigint): Promise<TopicPartition[]> {
    return this.call((call) => ({ name: 'ControlledShutdown', brokerId, brokerEpoch, ...call }));
  }

  /**
   * The ElectLeaders API (replica-leader-election.ts): resolves once the elections are
   * decided, each partition with its new leader or why it got none.
   */
  electLeaders(electionType: ElectionType, partitions: readonly TopicPartition[] | null): Promise<ElectionResult[]> {
    return this.call((call) => ({ name: 'ReplicaLeaderElection', electionType, partitions, ...call }));
  }

  /** The AlterPartitionReassignments API: resolves once each reassignment has started (or been cancelled) or was refused. */
  alterPartitionReassignments(reassignments: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    return this.call((call) => ({ name: 'ApiPartitionReassignment', reassignments, ...call }));
  }

  /** The ListPartitionReassignments API: the reassignments in progress. */
  listPartitionReassignments(partitions: readonly TopicPartition[] | null): Promise<OngoingReassignment[]> {
    return this.call((call) => ({ name: 'ListPartitionReassignments', partitions, ...call }));
  }

  /** Queues an API request's event; the answer is NOT_CONTROLLER off the controller, or when the queue drops it (resignation). */
  private call<T>(event: (callbacks: ApiCallbacks<T>) => KafkaControllerEvent): Promise<T> {
    return new Promise((resolve, reject) => this.events.put(event({ resolve, reject, preempt: () => reject(notController(this.brokerId)) })));
  }

  // ---- event processing

  private async process(event: KafkaControllerEvent): Promise<void> {
    try {
      await this.dispatch(event);
    } catch (error) {
      if ('reject' in event) event.reject(error instanceof ControllerMovedError ? notController(this.brokerId) : (error as Error));
      if (error instanceof ControllerMovedError) {
        this.log('warn', `${event.name}: ${error.message}; resigning`);
        await this.maybeResign(true);
        return;
      }
      // an election that could not run (ZooKeeper unreachable for a while) is tried again
      if ((event.name === 'Startup' || event.name === 'Reelect') && !this.isActive) this.retryElectionLater();
      throw error;
    } finally {
      // what an event decided before failing still goes out: ZooKeeper has it
      if (this.isActive) this.sendRequests();
    }
  }

  private async dispatch(event: KafkaControllerEvent): Promise<void> {
    switch (event.name) {
      case 'Startup':
        await this.zk.zk.registerZNodeChangeHandler({
          path: CONTROLLER_PATH,
          handleCreation: () => this.events.put({ name: 'ControllerChange' }),
          handleDataChange: () => this.events.put({ name: 'ControllerChange' }),
          handleDeletion: () => this.events.put({ name: 'Reelect' }),
        });
        return this.elect();
      case 'Reelect':
        await this.maybeResign();
        return this.elect();
      case 'ControllerChange':
        return this.maybeResign();
      case 'Expire':
        this.activeControllerId = -1;
        this.resign();
        return;
      case 'ControlledShutdown':
        return event.resolve(await this.processControlledShutdown(event.brokerId, event.brokerEpoch));
      case 'ReplicaLeaderElection':
        return event.resolve(await this.processReplicaLeaderElection(event.electionType, event.partitions));
      case 'ApiPartitionReassignment':
        return event.resolve(await this.processApiPartitionReassignment(event.reassignments));
      case 'ListPartitionReassignments':
        if (!this.isActive) throw notController(this.brokerId);
        return event.resolve(this.reassignments.ongoing(event.partitions));
    }
    if (!this.isActive) return;
    switch (event.name) {
      case 'BrokerChange':
        return this.processBrokerChange();
      case 'BrokerModifications':
        return this.processBrokerModification(event.brokerId);
      case 'TopicChange':
        return this.topics.onTopicChange(this.requests());
      case 'PartitionModifications':
        return this.topics.onPartitionModifications(event.topic, this.requests());
      case 'TopicDeletion':
        return this.topics.onTopicDeletion(this.requests());
      case 'IsrChangeNotification':
        return this.processIsrChangeNotification();
      case 'ZkPartitionReassignment':
        await this.reassignments.onZkReassignment(this.requests());
        return this.deletions.tryDeletion(this.requests());
      case 'TopicDeletionStopReplicaResponseReceived':
        if (event.controllerEpoch !== this.context.epoch) return;
        this.deletions.onStopReplicaResponse(event.brokerId, event.partitions, event.response);
        return this.deletions.tryDeletion(this.requests());
      case 'AutoPreferredReplicaLeaderElection':
        return this.processAutoPreferredReplicaLeaderElection();
    }
  }

  private retryElectionLater(): void {
    if (this.stopped || this.electionRetryTimer) return;
    this.electionRetryTimer = setTimeout(() => {
      this.electionRetryTimer = undefined;
      this.events.put({ name: 'Reelect' });
    }, ELECTION_RETRY_BACKOFF_MS);
    this.electionRetryTimer.unref();
  }

  // ---- election and failover

  private async elect(): Promise<void> {
    if (this.stopped) return;
    this.activeControllerId = (await this.zk.getControllerId()) ?? -1;
    if (this.activeControllerId !== -1) {
      this.log('info', `broker ${this.activeControllerId} is the controller`);
      return;
    }
    let won = false;
    try {
      const { epoch, zkVersion } = await this.zk.registerController(this.brokerId);
      won = true;
      this.context.epoch = epoch;
      this.context.epochZkVersion = zkVersion;
      this.activeControllerId = this.brokerId;
      this.log('info', `became the controller with epoch ${epoch} (broker epoch ${this.options.brokerEpoch()})`);
      await this.onControllerFailover();
    } catch (error) {
      if (error instanceof ControllerMovedError) {
        this.log('info', `${error.message}`);
        await this.maybeResign(true);
        return;
      }
      if (!won) throw error;
      // a failover that failed halfway: give the role up so that a broker (maybe this one) starts over
      this.log('error', `failover failed, resigning: ${(error as Error).stack}`);
      const epochZkVersion = this.context.epochZkVersion;
      this.activeControllerId = -1;
      this.resign();
      await this.zk.deleteController(epochZkVersion).catch(() => undefined);
    }
  }

  /**
   * Resigns when /controller names another broker now. With `force` (a write found the
   * controller epoch moved on) it resigns whatever /controller says, and gives up a
   * /controller still naming it, so that a new election settles who leads.
   */
  private async maybeResign(force = false): Promise<void> {
    const wasActive = this.activeControllerId === this.brokerId;
    try {
      this.activeControllerId = (await this.zk.getControllerId()) ?? -1;
    } catch (error) {
      this.log('warn', `could not read ${CONTROLLER_PATH}: ${(error as Error).message}`);
      this.activeControllerId = -1;
    }
    if (!wasActive || (!force && this.activeControllerId === this.brokerId)) return;
    const stillNamed = this.activeControllerId === this.brokerId;
    this.activeControllerId = -1;
    this.resign();
    if (stillNamed) await this.zk.zk.delete(CONTROLLER_PATH).catch(() => undefined);
  }

  /** Stops acting (Kafka's onControllerResignation): watches, timer, deletions, channels and the context go. */
  private resign(): void {
    const wasActing = this.channels !== undefined;
    for (const path of [BROKER_IDS_PATH, TOPICS_PATH, DELETE_TOPICS_PATH, ISR_CHANGE_NOTIFICATION_PATH]) this.zk.zk.unregisterZNodeChildChangeHandler(path);
    this.zk.zk.unregisterZNodeChangeHandler(REASSIGN_PARTITIONS_PATH);
    this.topics.unwatchAll();
    this.brokerModifications.unwatchAll();
    if (this.rebalanceTimer) clearTimeout(this.rebalanceTimer);
    this.rebalanceTimer = undefined;
    this.deletions.reset();
    this.reassignments.reset();
    this.channels?.shutdown();
    this.channels = undefined;
    this.batch = undefined;
    const epoch = this.context.epoch;
    this.context.reset();
    this.fenced = false;
    if (wasActing) this.log('info', `resigned as the controller of epoch ${epoch}`);
  }

  /**
   * Becoming the controller (Kafka's onControllerFailover): watch the cluster's znodes, read
   * brokers, topics and partition states, then tell every broker the cluster's metadata and
   * every replica its partition's state, elect leaders where none is live and resume deletions.
   */
  private async onControllerFailover(): Promise<void> {
    this.channels = new ControllerChannelManager({
      controllerId: this.brokerId,
      interBrokerListenerName: this.interBrokerListenerName,
      requestTimeoutMs: this.config.controllerSocketTimeoutMs,
      retryBackoffMs: CHANNEL_RETRY_BACKOFF_MS,
      security: this.options.security,
      log: this.log,
    });
    const onChildren = (path: string, name: 'BrokerChange' | 'TopicChange' | 'TopicDeletion' | 'IsrChangeNotification') =>
      this.zk.zk.registerZNodeChildChangeHandler({ path, handleChildChange: () => this.events.put({ name }) });
    await onChildren(BROKER_IDS_PATH, 'BrokerChange');
    await onChildren(TOPICS_PATH, 'TopicChange');
    await onChildren(DELETE_TOPICS_PATH, 'TopicDeletion');
    await onChildren(ISR_CHANGE_NOTIFICATION_PATH, 'IsrChangeNotification');
    const reassignment = () => this.events.put({ name: 'ZkPartitionReassignment' });
    await this.zk.zk.registerZNodeChangeHandler({ path: REASSIGN_PARTITIONS_PATH, handleCreation: reassignment, handleDataChange: reassignment });

    // every broker gets the full metadata below: pending ISR change notifications are moot
    await this.zk.deleteIsrChangeNotifications(await this.zk.getAllIsrChangeNotifications(), this.context.epochZkVersion);

    for (const broker of await this.zk.getAllBrokersInCluster()) {
      const live = { id: broker.id, endpoints: broker.endpoints, rack: broker.rack, epoch: broker.epoch };
      this.context.addLiveBroker(live);
      this.channels.addBroker(live);
    }
    await this.brokerModifications.watch(this.context.liveOrShuttingDownBrokerIds());
    await this.topics.load(await this.zk.getAllTopicsInCluster());
    await this.topics.startDeletions(await this.zk.getTopicDeletions());

    const batch = this.requests();
    const all = [...this.context.allPartitions()];
    batch.addUpdateMetadata(
      this.context.liveOrShuttingDownBrokerIds(),
      all.map((p) => p.tp),
    );
    for (const p of all) {
      if (p.state === undefined || this.context.isTopicQueuedForDeletion(p.tp.topic)) continue;
      batch.addLeaderAndIsr(p.assignment.replicas, p.tp);
    }
    this.logFailures('electing leaders at failover', (await this.partitions.electOfflinePartitions(batch)).failed);
    // Replicas on brokers that died with (or before) the last controller leave every ISR, and
    // partitions they led and no one could take over lose that leader, as their failure would
    // have done (Kafka's ReplicaStateMachine startup; after the election here, so a partition
    // that got a new leader moves one epoch, not two): else a partition with no live replica
    // keeps naming a dead leader, which clients chase and the offline count does not see.
    const deadReplicas = new Set(all.flatMap((p) => p.assignment.replicas).filter((id) => !this.context.isLive(id)));
    for (const id of deadReplicas) {
      const on = this.context
        .partitionsOnBroker(id)
        .filter((tp) => this.context.partitionState(tp) !== undefined && !this.context.isTopicQueuedForDeletion(tp.topic));
      this.logFailures(`removing dead broker ${id} from ISRs at failover`, await this.partitions.removeReplicaFromIsr(on, id, batch));
    }
    await this.reassignments.resume(batch);
    await this.deletions.tryDeletion(batch);
    this.sendRequests();
    this.scheduleAutoLeaderRebalance();
    this.log(
      'info',
      `ready as the controller of epoch ${this.context.epoch}: brokers ${this.context.liveOrShuttingDownBrokerIds().join(',')}, ${all.length} partitions`,
    );
  }

  // ---- brokers

  private async processBrokerChange(): Promise<void> {
    const registered = new Map((await this.zk.getAllBrokersInCluster()).map((b) => [b.id, b]));
    const known = new Map(this.context.liveOrShuttingDownBrokers().map((b) => [b.id, b]));
    const added = [...registered.keys()].filter((id) => !known.has(id));
    const dead = [...known.keys()].filter((id) => !registered.has(id));
    const bounced = [...registered.keys()].filter((id) => known.has(id) && registered.get(id)!.epoch > known.get(id)!.epoch);
    for (const id of dead) {
      this.context.removeLiveBroker(id);
      this.channels!.removeBroker(id);
      this.brokerModifications.unwatch(id);
    }
    for (const id of [...added, ...bounced]) {
      const b = registered.get(id)!;
      const live = { id, endpoints: b.endpoints, rack: b.rack, epoch: b.epoch };
      this.context.removeLiveBroker(id);
      this.context.addLiveBroker(live);
      this.channels!.addBroker(live);
    }
    await this.brokerModifications.watch([...added, ...bounced]);
    if (added.length + dead.length + bounced.length === 0) return;
    this.log('info', `brokers started ${added.join(',') || '-'}, failed ${dead.join(',') || '-'}, restarted ${bounced.join(',') || '-'}`);
    if (added.length > 0) await this.onBrokerStartup(added);
    if (bounced.length > 0) {
      await this.onBrokerFailure(bounced);
      await this.onBrokerStartup(bounced);
    }
    if (dead.length > 0) await this.onBrokerFailure(dead);
  }

  /**
   * A broker rewrote its registration in place (Kafka's processBrokerModification): with new
   * endpoints, every broker is sent the live brokers again (onBrokerUpdate), and the channel
   * to it moves if its inter-broker endpoint did. A new registration (a new epoch) is
   * BrokerChange's to handle.
   */
  private async processBrokerModification(id: number): Promise<void> {
    const known = this.context.liveBroker(id);
    const now = known && (await this.zk.getBrokerAndEpoch(id));
    if (!known || !now || now.epoch !== known.epoch || sameEndpoints(known.endpoints, now.endpoints)) return;
    const updated = { ...known, endpoints: now.endpoints };
    this.context.addLiveBroker(updated);
    const [was, is] = [interBrokerEndpoint(known, this.interBrokerListenerName), interBrokerEndpoint(updated, this.interBrokerListenerName)];
    if (was?.host !== is?.host || was?.port !== is?.port) this.channels!.addBroker(updated);
    this.log('info', `broker ${id} changed its endpoints to ${now.endpoints.map(endpointString).join(',')}`);
    this.requests().addUpdateMetadata(this.context.liveOrShuttingDownBrokerIds(), []);
    this.sendRequests();
  }

  /**
   * Brokers that registered (Kafka's onBrokerStartup): the others learn of them, they get the
   * whole metadata and LeaderAndIsr for every partition they host, partitions they can lead
   * come online, and deletions waiting for them resume.
   */
  private async onBrokerStartup(ids: readonly number[]): Promise<void> {
    const batch = this.requests();
    const started = new Set(ids);
    batch.addUpdateMetadata(
      this.context.liveOrShuttingDownBrokerIds().filter((id) => !started.has(id)),
      [],
    );
    batch.addUpdateMetadata(
      ids,
      [...this.context.allPartitions()].map((p) => p.tp),
    );
    for (const id of ids) {
      for (const tp of this.context.partitionsOnBroker(id)) {
        if (!this.context.isTopicQueuedForDeletion(tp.topic)) batch.addLeaderAndIsr([id], tp);
      }
    }
    this.logFailures('electing leaders after brokers started', (await this.partitions.electOfflinePartitions(batch)).failed);
    await this.reassignments.onBrokersStarted(ids, batch);
    this.deletions.onBrokersStarted(ids);
    await this.deletions.tryDeletion(batch);
    this.sendRequests();
  }

  /**
   * Brokers that failed (or restarted, which lost their state: Kafka's onBrokerFailure):
   * the partitions they led get new leaders from the rest of the ISR, they leave every ISR
   * (each change a new leader epoch, told to the remaining replicas), every broker learns
   * their replicas are offline, and deletions waiting for their answers wait for their return.
   */
  private async onBrokerFailure(ids: readonly number[]): Promise<void> {
    const batch = this.requests();
    const failed = new Set(ids);
    this.deletions.onBrokersFailed(ids);
    const active = (tp: TopicPartition) => !this.context.isTopicQueuedForDeletion(tp.topic);
    const led = [...this.context.allPartitions()]
      .filter((p) => active(p.tp) && p.state !== undefined && failed.has(p.state.leaderAndIsr.leader))
      .map((p) => p.tp);
    if (led.length > 0)
      this.logFailures(
        'electing leaders after brokers failed',
        (await this.partitions.electLeaders(led, { kind: 'offline', excluding: failed }, batch)).failed,
      );
    const hosted = new Map<string, TopicPartition>();
    for (const id of ids) {
      const on = this.context.partitionsOnBroker(id).filter(active);
      for (const tp of on) hosted.set(tpKey(tp), tp);
      this.logFailures(`removing broker ${id} from ISRs`, await this.partitions.removeReplicaFromIsr(on, id, batch));
    }
    batch.addUpdateMetadata(this.context.liveOrShuttingDownBrokerIds(), hosted.values());
    this.sendRequests();
  }

  /** Kafka's doControlledShutdown. */
  private async processControlledShutdown(id: number, brokerEpoch: bigint): Promise<TopicPartition[]> {
    if (!this.isActive) throw notController(this.brokerId);
    const registered = this.context.liveBroker(id);
    if (registered === undefined) throw new KafkaError(ErrorCode.BROKER_NOT_AVAILABLE, `broker ${id} is not registered`);
    if (brokerEpoch !== -1n && brokerEpoch < registered.epoch) {
      throw new KafkaError(ErrorCode.STALE_BROKER_EPOCH, `broker ${id}'s epoch ${brokerEpoch} is older than its registration's (${registered.epoch})`);
    }
    this.context.shuttingDownBrokerIds.add(id);
    this.log('info', `controlled shutdown of broker ${id}; shutting down: ${[...this.context.shuttingDownBrokerIds].join(',')}`);
    const toActOn = [...this.context.allPartitions()].filter(
      (p) =>
        p.assignment.replicas.includes(id) && p.assignment.replicas.length > 1 && p.state !== undefined && !this.context.isTopicQueuedForDeletion(p.tp.topic),
    );
    const led = toActOn.filter((p) => p.state!.leaderAndIsr.leader === id).map((p) => p.tp);
    const followed = toActOn.filter((p) => p.state!.leaderAndIsr.leader !== id).map((p) => p.tp);
    const batch = this.requests();
    if (led.length > 0)
      this.logFailures(`moving broker ${id}'s leaderships`, (await this.partitions.electLeaders(led, { kind: 'controlledShutdown' }, batch)).failed);
    for (const tp of followed) batch.addStopReplica([id], tp, false);
    if (followed.length > 0) this.logFailures(`removing broker ${id} from ISRs`, await this.partitions.removeReplicaFromIsr(followed, id, batch));
    this.sendRequests();
    return this.context.partitionsLedBy(id).filter((tp) => this.context.replicas(tp).length > 1);
  }

  private async processReplicaLeaderElection(electionType: ElectionType, partitions: readonly TopicPartition[] | null): Promise<ElectionResult[]> {
    if (!this.isActive) throw notController(this.brokerId);
    const results = await electLeadersForAdmin(this.context, this.partitions, electionType, partitions, this.requests());
    const elected = results.filter((r) => r.errorCode === ErrorCode.NONE);
    if (elected.length > 0) this.log('info', `elected leaders on request: ${elected.map((r) => `${tpKey(r.tp)} -> ${r.leader}`).join(', ')}`);
    return results;
  }

  private async processApiPartitionReassignment(reassignments: readonly ReassignmentRequest[]): Promise<ReassignmentResult[]> {
    if (!this.isActive) throw notController(this.brokerId);
    const results = await this.reassignments.onApiReassignment(reassignments, this.requests());
    // a cancellation completes at once: a deletion waiting for it moves on
    await this.deletions.tryDeletion(this.requests());
    return results;
  }

  // ---- ISR changes

  private async processIsrChangeNotification(): Promise<void> {
    const sequenceNumbers = await this.zk.getAllIsrChangeNotifications();
    if (sequenceNumbers.length === 0) return;
    try {
      const unique = new Map((await this.zk.getPartitionsFromIsrChangeNotifications(sequenceNumbers)).map((tp) => [tpKey(tp), tp]));
      const partitions = [...unique.values()].filter((tp) => this.context.assignment(tp) !== undefined);
      for (const { tp, state } of await this.zk.getTopicPartitionStates(partitions)) this.context.setPartitionState(tp, state);
      const batch = this.requests();
      batch.addUpdateMetadata(this.context.liveOrShuttingDownBrokerIds(), partitions);
      // reassignments whose new replicas caught up complete, and deletions they held move on
      await this.reassignments.onIsrChange(partitions, batch);
      await this.deletions.tryDeletion(batch);
      this.sendRequests();
    } finally {
      await this.zk.deleteIsrChangeNotifications(sequenceNumbers, this.context.epochZkVersion);
    }
  }

  // ---- preferred leaders

  private scheduleAutoLeaderRebalance(): void {
    if (!this.config.autoLeaderRebalanceEnable) return;
    const intervalMs = this.config.leaderImbalanceCheckIntervalSeconds * 1000;
    const fire = (): void => {
      // re-armed first, whatever the check does
      this.rebalanceTimer = setTimeout(fire, intervalMs);
      this.rebalanceTimer.unref();
      this.events.put({ name: 'AutoPreferredReplicaLeaderElection' });
    };
    this.rebalanceTimer = setTimeout(fire, intervalMs);
    this.rebalanceTimer.unref();
  }

  private async processAutoPreferredReplicaLeaderElection(): Promise<void> {
    const candidates = [...this.context.allPartitions()].flatMap((p) =>
      p.state === undefined || this.context.isTopicQueuedForDeletion(p.tp.topic) || this.reassignments.isReassigning(p.tp.topic)
        ? []
        : [{ tp: p.tp, replicas: p.assignment.replicas, leader: p.state.leaderAndIsr.leader, isr: p.state.leaderAndIsr.isr }],
    );
    const partitions = partitionsToRebalance(candidates, this.context.liveBrokerIds(), this.config.leaderImbalancePerBrokerPercentage);
    if (partitions.length === 0) return;
    this.log('info', `moving ${partitions.length} partitions back to their preferred leaders`);
    const batch = this.requests();
    this.logFailures('preferred leader election', (await this.partitions.electLeaders(partitions, { kind: 'preferred' }, batch)).failed);
    this.sendRequests();
  }

  // ---- helpers

  /** The request batch of the current controllership. */
  private requests(): ControllerRequestBatch {
    this.batch ??= new ControllerRequestBatch(
      this.context,
      this.channels!,
      this.brokerId,
      this.interBrokerListenerName,
      () => this.isActive && this.channels !== undefined,
      this.log,
    );
    return this.batch;
  }

  private sendRequests(): void {
    const epoch = this.context.epoch;
    this.batch?.send({
      onStopReplicaDeleteResponse: (brokerId, partitions, response) =>
        this.events.put({ name: 'TopicDeletionStopReplicaResponseReceived', controllerEpoch: epoch, brokerId, partitions, response }),
    });
  }

  private async uncleanLeaderElectionEnable(topic: string): Promise<boolean> {
    const value = (await this.zk.getTopicConfig(topic))['unclean.leader.election.enable'];
    return value === undefined ? this.config.uncleanLeaderElectionEnable : value.trim().toLowerCase() === 'true';
  }

  private logFailures(what: string, failures: readonly StateChangeFailure[]): void {
    if (failures.length === 0) return;
    this.log('warn', `${what}: ${failures.map((f) => f.reason).join('; ')}`);
  }
}

function notController(brokerId: number): KafkaError {
  return new KafkaError(ErrorCode.NOT_CONTROLLER, `broker ${brokerId} is not the controller`);
}
