import type { MessageData } from '../../protocol/schema/message-types.js';
import type { MessageSchema } from '../../protocol/schema/schema.js';
import { Api, type ApiDef, type RequestBody } from '../network/apis.js';
import type { BrokerConnection } from '../network/broker-connection.js';
import { openCoordinatorConnection } from '../network/coordinator-connection.js';
import { isRetriable, isRetriableCode, kafkaErrorFor, KafkaClientError, NetworkError, TimeoutError } from '../network/errors.js';
import type { NetworkClient } from '../network/network-client.js';
import { raceDeadline, sleep, sleepWithin, TIMED_OUT, withDeadline } from '../network/timing.js';
import { createAssignor, type ConsumerPartitionAssignor, type GroupMember, type RebalanceProtocol } from './assignors/index.js';
import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from './consumer-protocol.js';
import type { ConsumerConfig } from './consumer-config.js';
import { CommitFailedError, ListenerError, RebalanceInProgressCommitError } from './errors.js';
import type { SubscriptionState } from './subscription-state.js';
import { compareStrings, compareTopicPartitions, groupByTopic, tpKey, type TopicPartition } from '../network/topic-partition.js';
import type { TopicPartitionOffset } from './types.js';

/**
 * Called around rebalances (Kafka's ConsumerRebalanceListener). Callbacks run
 * inside poll() (or close()), so they may commit, seek or read positions. A
 * returned promise is awaited.
 *
 * - onPartitionsRevoked: partitions this member gives up, before they go to
 *   others (eager: everything, at the start of every rebalance; cooperative:
 *   only those moving away, after the rebalance). Called only when the set is
 *   not empty.
 * - onPartitionsAssigned: partitions newly assigned (eager: the whole new
 *   assignment; cooperative: only the added ones). Called after every
 *   rebalance, even with an empty list.
 * - onPartitionsLost: partitions that may already belong to someone else
 *   (the member was dropped from the group); committing them would fail.
 *   Defaults to onPartitionsRevoked.
 */
export interface ConsumerRebalanceListener {
  onPartitionsRevoked?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsAssigned?(partitions: TopicPartition[]): void | Promise<void>;
  onPartitionsLost?(partitions: TopicPartition[]): void | Promise<void>;
}

export type MemberState = 'UNJOINED' | 'PREPARING_REBALANCE' | 'COMPLETING_REBALANCE' | 'STABLE';

/** What the coordinator needs from the consumer that owns it. */
export interface CoordinatorContext {
  readonly config: ConsumerConfig;
  readonly client: NetworkClient;
  readonly subscriptions: SubscriptionState;
  listener(): ConsumerRebalanceListener | null;
  /** Offsets just committed, for the interceptors' onCommit. */
  onCommitted(offsets: readonly TopicPartitionOffset[]): void;
  /** Wakes a waiting poll() (a rebalance is needed). */
  wake(): void;
  /** Partitions left the assignment: drop their buffered records. */
  onPartitionsRemoved(): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

interface Joined {
  readonly generationId: number;
  readonly memberId: string;
  readonly protocolName: string;
  /** Every member's metadata when this member leads the group, else null. */
  readonly members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }> | null;
}

interface JoinResult {
  readonly generationId: number;
  readonly memberId: string;
  readonly protocolName: string;
  readonly assignment: Buffer;
}

const NO_GENERATION = -1;

/** Codes after which the coordinator must be found again. */
const COORDINATOR_MOVED = new Set([13, 15, 16]);

/**
 * The consumer's side of the classic group protocol (Kafka's
 * ConsumerCoordinator on top of AbstractCoordinator): finding the group
 * coordinator, JoinGroup / SyncGroup with the leader running the assignor,
 * heartbeats on a timer, LeaveGroup, and committing and fetching offsets.
 *
 * The rebalance protocol is the highest one every configured assignor
 * supports (with Kafka's default [range, cooperative-sticky] that is EAGER).
 * JoinGroup and SyncGroup run in the background once poll() starts a
 * rebalance; the listener's callbacks and the new assignment are applied in
 * poll(), as in the Java client.
 */
export class ConsumerCoordinator {
  readonly groupId: string;
  readonly assignors: ConsumerPartitionAssignor[];
  readonly protocol: RebalanceProtocol;
  generationId = NO_GENERATION;
  memberId = '';
  protocolName: string | null = null;
  state: MemberState = 'UNJOINED';
  rejoinNeeded = true;
  private needsJoinPrepare = true;
  private coordinator: { nodeId: number; connection: BrokerConnection } | null = null;
  private finding: Promise<BrokerConnection> | null = null;
  private joinTask: Promise<JoinResult> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatInFlight = false;
  private lastHeartbeatOkMs = 0;
  lastPollMs = Date.now();
  private nextAutoCommitMs: number;
  private autoCommitInFlight: Promise<void> | null = null;
  /** The leader's view of the partition counts it assigned with; a change means a new rebalance. */
  private assignmentSnapshot: Map<string, number> | null = null;
  private closed = false;
  private fatal: Error | null = null;

  constructor(private readonly ctx: CoordinatorContext) {
    this.groupId = ctx.config['group.id']!;
    this.assignors = ctx.config['partition.assignment.strategy'].map((spec) => createAssignor(spec));
    const names = new Set<string>();
    for (const a of this.assignors) {
      if (names.has(a.name)) throw new KafkaClientError(`partition.assignment.strategy names the assignor '${a.name}' twice`);
      names.add(a.name);
    }
    this.protocol = commonProtocol(this.assignors);
    this.nextAutoCommitMs = Date.now() + ctx.config['auto.commit.interval.ms'];
  }

  private get config(): ConsumerConfig {
    return this.ctx.config;
  }

  get autoCommitEnabled(): boolean {
    return this.config['enable.auto.commit'];
  }

  get coordinatorNodeId(): number | null {
    return this.coordinator?.nodeId ?? null;
  }

  // --- the coordinator itself ----------------------------------------------------

  /** The connection to the group coordinator, found with FindCoordinator if unknown. */
  async ensureCoordinatorReady(deadline: number): Promise<BrokerConnection> {
    for (;;) {
      this.checkClosed();
      const known = this.coordinator;
      if (known && known.connection.state !== 'closed') {
        await withDeadline(known.connection.connect(), deadline, 'the group coordinator connection');
        return known.connection;
      }
      if (known) this.coordinator = null;
      this.finding ??= this.findCoordinator().finally(() => (this.finding = null));
      try {
        return await withDeadline(this.finding, deadline, 'the group coordinator');
      } catch (e) {
        if (!isRetriable(e) || Date.now() >= deadline) throw e;
        this.ctx.log('debug', `FindCoordinator for group ${this.groupId} failed: ${(e as Error).message}`);
        await sleepWithin(this.config['retry.backoff.ms'], deadline);
      }
    }
  }

  private async findCoordinator(): Promise<BrokerConnection> {
    const client = this.ctx.client;
    let node = client.leastLoadedNode();
    if (node === undefined) {
      await client.metadata.update().catch(() => undefined);
      node = client.leastLoadedNode();
      if (node === undefined) throw new NetworkError('no broker available to find the group coordinator');
    }
    const groupId = this.groupId;
    const response = await client.send(node, Api.FindCoordinator, (version: number) =>
      version >= 4 ? { keyType: 0, coordinatorKeys: [groupId] } : { key: groupId, keyType: 0 },
    );
    const c = response.coordinators?.length ? response.coordinators[0] : response;
    if (c.errorCode !== 0) throw kafkaErrorFor(c.errorCode, c.errorMessage ?? `FindCoordinator for group ${groupId}`);
    const connection = openCoordinatorConnection(client, { id: c.nodeId, host: c.host, port: c.port });
    connection.onClose = (error) => {
      if (error && this.coordinator?.connection === connection) this.markCoordinatorUnknown(`connection closed: ${error.message}`);
    };
    this.coordinator = { nodeId: c.nodeId, connection };
    this.lastHeartbeatOkMs = Date.now();
    await connection.connect();
    return connection;
  }

  markCoordinatorUnknown(reason: string): void {
    const known = this.coordinator;
    if (!known) return;
    this.ctx.log('info', `group ${this.groupId}: coordinator ${known.nodeId} marked unknown (${reason})`);
    this.coordinator = null;
    known.connection.close();
  }

  private async request<Req extends MessageSchema, Res extends MessageSchema>(api: ApiDef<Req, Res>, body: RequestBody<Req>, deadline: number, timeoutMs?: number): Promise<MessageData<Res>> {
    const connection = await this.ensureCoordinatorReady(deadline);
    return connection.request(api, body, timeoutMs === undefined ? {} : { timeoutMs });
  }

  // --- poll: joining and staying in the group --------------------------------------

  /**
   * The group's part of poll(): joins or rejoins when needed, applies a
   * completed rebalance, and auto-commits when due. Returns false when the
   * rebalance did not finish before the deadline (poll then returns nothing).
   */
  async poll(deadline: number): Promise<boolean> {
    // With partitions to fetch (cooperative rebalancing keeps them), poll does not wait for the rebalance.
    if (this.ctx.subscriptions.assignedPartitions().length > 0) deadline = Math.min(deadline, Date.now());
    this.checkClosed();
    this.lastPollMs = Date.now();
    if (this.fatal) {
      const e = this.fatal;
      this.fatal = null;
      throw e;
    }
    const subs = this.ctx.subscriptions;
    if (subs.hasAutoAssignedPartitions) {
      if (this.leaderSeesNewPartitions()) this.requestRejoin('the partition count of a subscribed topic changed');
      if (this.rejoinNeeded || this.state !== 'STABLE' || this.joinTask) {
        try {
          if (!(await this.ensureActiveGroup(deadline))) return false;
        } catch (e) {
          // The coordinator was not found in time: poll again later.
          if (e instanceof TimeoutError) return false;
          throw e;
        }
      }
    }
    this.maybeAutoCommit();
    return true;
  }

  requestRejoin(reason: string): void {
    if (!this.rejoinNeeded) this.ctx.log('info', `group ${this.groupId}: rejoin requested (${reason})`);
    this.rejoinNeeded = true;
    this.ctx.wake();
  }

  private async ensureActiveGroup(deadline: number): Promise<boolean> {
    if (!this.joinTask) {
      await this.ensureCoordinatorReady(deadline);
      if (this.needsJoinPrepare) {
        // Set first: a listener that polls or commits must not prepare twice.
        this.needsJoinPrepare = false;
        await this.onJoinPrepare(deadline);
      }
      this.stopHeartbeat();
      this.state = 'PREPARING_REBALANCE';
      this.rejoinNeeded = false;
      const task = this.joinAndSync();
      task.then(
        () => this.ctx.wake(),
        () => this.ctx.wake(),
      );
      this.joinTask = task;
    }
    const task = this.joinTask;
    const result = await raceDeadline(task, deadline);
    if (result === TIMED_OUT) return false;
    this.joinTask = null;
    if (result.error) {
      this.state = 'UNJOINED';
      this.rejoinNeeded = true;
      throw result.error;
    }
    this.needsJoinPrepare = true;
    await this.onJoinComplete(result.value);
    return true;
  }

  /** JoinGroup then SyncGroup, again until one round works (or an error that retrying cannot fix). */
  private async joinAndSync(): Promise<JoinResult> {
    const config = this.config;
    const rebalanceTimeoutMs = config['max.poll.interval.ms'];
    const joinTimeoutMs = Math.max(config['request.timeout.ms'], rebalanceTimeoutMs + 5000);
    for (;;) {
      this.checkClosed();
      const deadline = Date.now() + joinTimeoutMs;
      try {
        const joined = await this.sendJoinGroup(deadline, joinTimeoutMs);
        if (joined === null) continue;
        this.state = 'COMPLETING_REBALANCE';
        const assignment = await this.sendSyncGroup(joined, deadline);
        if (assignment === null) continue;
        this.state = 'STABLE';
        this.lastHeartbeatOkMs = Date.now();
        this.startHeartbeat();
        return { generationId: joined.generationId, memberId: joined.memberId, protocolName: joined.protocolName, assignment };
      } catch (e) {
        if (this.closed) throw e;
        if (!isRetriable(e)) throw e;
        this.ctx.log('debug', `group ${this.groupId}: join failed (${(e as Error).message}); retrying`);
        if (e instanceof KafkaClientError && e.errorCode !== undefined && COORDINATOR_MOVED.has(e.errorCode)) this.markCoordinatorUnknown((e as Error).message);
        this.state = 'PREPARING_REBALANCE';
        await sleep(config['retry.backoff.ms']);
      }
    }
  }

  /** One JoinGroup; null means "send it again now" (a member id to come back with, a reset). */
  private async sendJoinGroup(deadline: number, timeoutMs: number): Promise<Joined | null> {
    const config = this.config;
    const subs = this.ctx.subscriptions;
    const topics = [...subs.subscription].sort(compareStrings);
    const topicSet = new Set(topics);
    const owned = this.protocol === 'COOPERATIVE' ? subs.assignedPartitions() : [];
    const protocols = this.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics,
        userData: a.subscriptionUserData?.(topicSet) ?? null,
        ownedPartitions: owned,
        generationId: this.generationId,
        rackId: config['client.rack'] === '' ? null : config['client.rack'],
      }),
    }));
    const instanceId = config['group.instance.id'];
    const body = {
      groupId: this.groupId,
      sessionTimeoutMs: config['session.timeout.ms'],
      rebalanceTimeoutMs: config['max.poll.interval.ms'],
      memberId: this.memberId,
      groupInstanceId: instanceId,
      protocolType: CONSUMER_PROTOCOL_TYPE,
      protocols,
      reason: null,
    };
    const response: any = await this.request(Api.JoinGroup, body, deadline, timeoutMs);
    const code = response.errorCode;
    switch (code) {
      case 0:
        break;
      case 79: // MEMBER_ID_REQUIRED: come back with the id the coordinator chose (KIP-394)
        this.memberId = response.memberId;
        return null;
      case 25: // UNKNOWN_MEMBER_ID
        this.resetGeneration(true);
        return null;
      case 22: // ILLEGAL_GENERATION
        this.resetGeneration(false);
        return null;
      case 27: // REBALANCE_IN_PROGRESS
        await sleep(config['retry.backoff.ms']);
        return null;
      default:
        throw kafkaErrorFor(code, `JoinGroup of group ${this.groupId}`);
    }
    this.memberId = response.memberId;
    this.generationId = response.generationId;
    this.protocolName = response.protocolName;
    const leader = response.leader === response.memberId;
    this.ctx.log('info', `group ${this.groupId}: joined generation ${response.generationId} as ${response.memberId} (${leader ? 'leader' : 'follower'}, ${response.protocolName})`);
    return { generationId: response.generationId, memberId: response.memberId, protocolName: response.protocolName, members: leader ? response.members : null };
  }

  /** SyncGroup; the leader sends everyone's assignment. null means rejoin. */
  private async sendSyncGroup(joined: Joined, deadline: number): Promise<Buffer | null> {
    const members = joined.members;
    let assignments: Array<{ memberId: string; assignment: Buffer }> = [];
    if (members) assignments = await this.performAssignment(joined.protocolName, members);
    const response = await this.request(
      Api.SyncGroup,
      {
        groupId: this.groupId,
        generationId: joined.generationId,
        memberId: joined.memberId,
        groupInstanceId: this.config['group.instance.id'],
        protocolType: CONSUMER_PROTOCOL_TYPE,
        protocolName: joined.protocolName,
        assignments,
      },
      deadline,
      Math.max(0, deadline - Date.now()),
    );
    switch (response.errorCode) {
      case 0:
        return response.assignment as Buffer;
      case 27: // REBALANCE_IN_PROGRESS: the group moved on; join again
        return null;
      case 25:
        this.resetGeneration(true);
        return null;
      case 22:
        this.resetGeneration(false);
        return null;
      default:
        throw kafkaErrorFor(response.errorCode, `SyncGroup of group ${this.groupId}`);
    }
  }

  /** The leader's work: every member's subscription, metadata for all their topics, the assignor. */
  private async performAssignment(protocolName: string, members: Array<{ memberId: string; groupInstanceId: string | null; metadata: Buffer }>): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const assignor = this.assignors.find((a) => a.name === protocolName);
    if (!assignor) throw new KafkaClientError(`Coordinator selected invalid assignment protocol: ${protocolName}`);
    const groupMembers: GroupMember[] = members.map((m) => ({ memberId: m.memberId, groupInstanceId: m.groupInstanceId, subscription: decodeSubscription(m.metadata) }));
    const allTopics = new Set(groupMembers.flatMap((m) => m.subscription.topics));
    const subs = this.ctx.subscriptions;
    subs.groupSubscription = allTopics;
    const metadata = this.ctx.client.metadata;
    metadata.add(...allTopics);
    const cluster = await metadata.update();
    const partitionsPerTopic = new Map<string, number>();
    for (const topic of [...allTopics].sort(compareStrings)) {
      const partitions = cluster.partitionsFor(topic);
      if (partitions) partitionsPerTopic.set(topic, partitions.length);
    }
    this.assignmentSnapshot = partitionsPerTopic;
    const result = assignor.assign(partitionsPerTopic, groupMembers);
    this.ctx.log('info', `group ${this.groupId}: leader assigned ${[...result].map(([id, a]) => `${id}=[${a.partitions.map((p) => `${p.topic}-${p.partition}`).join(',')}]`).join(' ')}`);
    return groupMembers.map((m) => {
      const a = result.get(m.memberId) ?? { partitions: [] };
      return { memberId: m.memberId, assignment: encodeAssignment({ partitions: a.partitions, userData: a.userData ?? null }) };
    });
  }

  /** The leader rebalances again when a subscribed topic gains partitions. */
  private leaderSeesNewPartitions(): boolean {
    const snapshot = this.assignmentSnapshot;
    if (!snapshot || this.state !== 'STABLE') return false;
    const cluster = this.ctx.client.metadata.cluster;
    for (const topic of this.ctx.subscriptions.groupSubscription) {
      const count = cluster.partitionsFor(topic)?.length;
      if (count !== undefined && count !== snapshot.get(topic)) return true;
    }
    return false;
  }

  private async onJoinPrepare(deadline: number): Promise<void> {
    // Commit what was consumed before the partitions go to someone else.
    if (this.autoCommitEnabled && this.generationId !== NO_GENERATION) {
      try {
        await this.commitSync(this.ctx.subscriptions.allConsumed(), Math.min(deadline, Date.now() + this.config['default.api.timeout.ms']));
      } catch (e) {
        this.ctx.log('warn', `group ${this.groupId}: auto-commit before rebalance failed: ${(e as Error).message}`);
      }
    }
    const subs = this.ctx.subscriptions;
    const owned = subs.assignedPartitions();
    let failure: unknown = null;
    if (this.generationId === NO_GENERATION || this.memberId === '') {
      if (owned.length > 0) {
        failure = await this.invoke('onPartitionsLost', owned);
        subs.assignFromSubscribed([]);
        this.ctx.onPartitionsRemoved();
      }
    } else if (this.protocol === 'EAGER') {
      if (owned.length > 0) failure = await this.invoke('onPartitionsRevoked', owned);
      subs.assignFromSubscribed([]);
      this.ctx.onPartitionsRemoved();
    } else {
      const revoked = owned.filter((tp) => !subs.matches(tp.topic));
      if (revoked.length > 0) {
        failure = await this.invoke('onPartitionsRevoked', revoked);
        const gone = new Set(revoked.map((tp) => tpKey(tp.topic, tp.partition)));
        subs.assignFromSubscribed(owned.filter((tp) => !gone.has(tpKey(tp.topic, tp.partition))));
        this.ctx.onPartitionsRemoved();
      }
    }
    if (failure) throw failure;
  }

  private async onJoinComplete(result: JoinResult): Promise<void> {
    const assignor = this.assignors.find((a) => a.name === result.protocolName);
    if (!assignor) throw new KafkaClientError(`Coordinator selected invalid assignment protocol: ${result.protocolName}`);
    const subs = this.ctx.subscriptions;
    const assignment = decodeAssignment(result.assignment);
    const assigned = assignment.partitions.filter((tp) => subs.matches(tp.topic)).sort(compareTopicPartitions);
    if (assigned.length !== assignment.partitions.length) {
      this.requestRejoin('the assignment holds topics this member does not subscribe to');
    }
    const owned = subs.assignedPartitions();
    const ownedKeys = new Set(owned.map((tp) => tpKey(tp.topic, tp.partition)));
    const assignedKeys = new Set(assigned.map((tp) => tpKey(tp.topic, tp.partition)));
    const added = assigned.filter((tp) => !ownedKeys.has(tpKey(tp.topic, tp.partition)));
    const revoked = owned.filter((tp) => !assignedKeys.has(tpKey(tp.topic, tp.partition)));
    let failure: unknown = null;
    if (this.protocol === 'COOPERATIVE' && revoked.length > 0) {
      failure = await this.invoke('onPartitionsRevoked', revoked);
      // What was given up goes to its new owner in the rebalance that follows.
      this.requestRejoin(`revoked ${revoked.length} partitions`);
    }
    try {
      assignor.onAssignment?.(assignment, result.generationId);
    } catch (e) {
      failure ??= new ListenerError(`assignor ${assignor.name} failed in onAssignment: ${(e as Error).message}`, { cause: e });
    }
    this.nextAutoCommitMs = Date.now() + this.config['auto.commit.interval.ms'];
    subs.assignFromSubscribed(assigned);
    if (revoked.length > 0) this.ctx.onPartitionsRemoved();
    this.ctx.client.metadata.add(...new Set(assigned.map((tp) => tp.topic)));
    const failed = await this.invoke('onPartitionsAssigned', added);
    failure ??= failed;
    if (failure) throw failure;
  }

  /** Calls a listener callback; returns its error (wrapped) rather than throwing, so the rebalance completes. */
  private async invoke(callback: 'onPartitionsRevoked' | 'onPartitionsAssigned' | 'onPartitionsLost', partitions: TopicPartition[]): Promise<unknown> {
    const listener = this.ctx.listener();
    if (!listener) return null;
    const fn = callback === 'onPartitionsLost' ? (listener.onPartitionsLost ?? listener.onPartitionsRevoked) : listener[callback];
    if (!fn) return null;
    try {
      await fn.call(listener, partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition })));
      return null;
    } catch (e) {
      this.ctx.log('error', `group ${this.groupId}: rebalance listener ${callback} failed: ${(e as Error).message}`);
      return new ListenerError(`User rebalance callback ${callback} threw an error: ${(e as Error).message}`, { cause: e });
    }
  }

  private resetGeneration(resetMemberId: boolean): void {
    this.generationId = NO_GENERATION;
    if (resetMemberId) this.memberId = '';
    this.state = 'UNJOINED';
    this.rejoinNeeded = true;
    this.stopHeartbeat();
  }

  // --- heartbeats ---------------------------------------------------------------

  private startHeartbeat(): void {
    this.stopHeartbeat();
    this.heartbeatTimer = setTimeout(() => this.heartbeat(), this.config['heartbeat.interval.ms']);
    // Heartbeats alone never keep the process alive (the connections and a running poll do).
    this.heartbeatTimer.unref();
  }

  private stopHeartbeat(): void {
    if (this.heartbeatTimer) clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = null;
  }

  /** One heartbeat tick: checks poll and session timeouts, then sends Heartbeat. */
  private heartbeat(): void {
    this.heartbeatTimer = null;
    if (this.closed || this.state !== 'STABLE') return;
    const now = Date.now();
    const config = this.config;
    if (now - this.lastPollMs > config['max.poll.interval.ms']) {
      this.ctx.log('warn', `group ${this.groupId}: consumer poll timeout has expired (max.poll.interval.ms ${config['max.poll.interval.ms']}); leaving the group`);
      void this.leaveGroup('consumer poll timeout has expired.').finally(() => this.ctx.wake());
      return;
    }
    if (now - this.lastHeartbeatOkMs > config['session.timeout.ms']) {
      this.markCoordinatorUnknown('no successful heartbeat within session.timeout.ms');
      this.requestRejoin('session timed out');
    }
    const connection = this.coordinator?.connection;
    if (!connection || this.heartbeatInFlight) {
      if (!connection) {
        // Find the coordinator again in the background, then carry on heartbeating.
        this.ensureCoordinatorReady(now + config['session.timeout.ms']).catch(() => undefined);
      }
      this.heartbeatTimer = setTimeout(() => this.heartbeat(), Math.min(config['heartbeat.interval.ms'], config['retry.backoff.ms']));
      this.heartbeatTimer.unref();
      return;
    }
    this.heartbeatInFlight = true;
    const generationId = this.generationId;
    connection
      .request(Api.Heartbeat, { groupId: this.groupId, generationId, memberId: this.memberId, groupInstanceId: config['group.instance.id'] })
      .then(
        (response) => this.onHeartbeatResponse(response.errorCode, generationId),
        (error: Error) => {
          this.ctx.log('debug', `group ${this.groupId}: heartbeat failed: ${error.message}`);
          this.markCoordinatorUnknown(error.message);
        },
      )
      .finally(() => {
        this.heartbeatInFlight = false;
        if (this.state === 'STABLE' && !this.closed && this.heartbeatTimer === null) {
          this.heartbeatTimer = setTimeout(() => this.heartbeat(), config['heartbeat.interval.ms']);
          this.heartbeatTimer.unref();
        }
      });
  }

  private onHeartbeatResponse(code: number, sentGeneration: number): void {
    if (sentGeneration !== this.generationId) return;
    switch (code) {
      case 0:
        this.lastHeartbeatOkMs = Date.now();
        return;
      case 27: // REBALANCE_IN_PROGRESS: the session is alive; rejoin at the next poll
        this.lastHeartbeatOkMs = Date.now();
        this.requestRejoin('group is rebalancing');
        return;
      case 22: // ILLEGAL_GENERATION
        this.resetGeneration(false);
        this.ctx.wake();
        return;
      case 25: // UNKNOWN_MEMBER_ID
      case 82: // FENCED_INSTANCE_ID
        this.resetGeneration(true);
        if (code === 82) this.fatal = kafkaErrorFor(code, `group ${this.groupId}: another consumer with the same group.instance.id joined`);
        this.ctx.wake();
        return;
      case 14: // COORDINATOR_LOAD_IN_PROGRESS
        return;
      case 15:
      case 16:
        this.markCoordinatorUnknown(`heartbeat answered ${code}`);
        return;
      default:
        this.ctx.log('warn', `group ${this.groupId}: heartbeat answered error ${code}`);
    }
  }

  /** LeaveGroup (not for static members, as in Kafka), then a fresh member id and generation. */
  async leaveGroup(reason: string): Promise<void> {
    const memberId = this.memberId;
    const wasMember = memberId !== '' && this.state !== 'UNJOINED';
    this.resetGeneration(true);
    if (!wasMember || this.config['group.instance.id'] !== null) return;
    const connection = this.coordinator?.connection;
    if (!connection || connection.state === 'closed') return;
    try {
      const response = await connection.request(Api.LeaveGroup, (version: number) =>
        version >= 3 ? { groupId: this.groupId, members: [{ memberId, groupInstanceId: null, reason }] } : { groupId: this.groupId, memberId },
      );
      if (response.errorCode !== 0) this.ctx.log('info', `group ${this.groupId}: LeaveGroup answered ${response.errorCode}`);
    } catch (e) {
      this.ctx.log('debug', `group ${this.groupId}: LeaveGroup failed: ${(e as Error).message}`);
    }
  }

  // --- offsets --------------------------------------------------------------------

  private maybeAutoCommit(): void {
    if (!this.autoCommitEnabled) return;
    const now = Date.now();
    if (now < this.nextAutoCommitMs || this.autoCommitInFlight) return;
    this.nextAutoCommitMs = now + this.config['auto.commit.interval.ms'];
    const offsets = this.ctx.subscriptions.allConsumed();
    if (offsets.length === 0) return;
    this.autoCommitInFlight = this.commitOnce(offsets, now + this.config['default.api.timeout.ms'])
      .catch((e) => {
        this.ctx.log('warn', `group ${this.groupId}: auto-commit of offsets failed: ${(e as Error).message}`);
        if (isRetriable(e)) this.nextAutoCommitMs = Date.now() + this.config['retry.backoff.ms'];
      })
      .finally(() => (this.autoCommitInFlight = null));
  }

  /** Waits for a background auto-commit to finish (close() and commitSync() keep order with it). */
  async awaitAutoCommit(): Promise<void> {
    if (this.autoCommitInFlight) await this.autoCommitInFlight;
  }

  /** Commits, retrying retriable errors until the deadline (Kafka's commitOffsetsSync). */
  async commitSync(offsets: readonly TopicPartitionOffset[], deadline: number): Promise<void> {
    if (offsets.length === 0) return;
    for (;;) {
      try {
        await this.commitOnce(offsets, deadline);
        return;
      } catch (e) {
        if (!isRetriable(e)) throw e;
        if (Date.now() >= deadline) throw new TimeoutError(`Timeout of committing offsets for group ${this.groupId}: ${(e as Error).message}`);
        await sleepWithin(this.config['retry.backoff.ms'], deadline);
      }
    }
  }

  /** One OffsetCommit; throws the first error (retriable ones are marked so). */
  async commitOnce(offsets: readonly TopicPartitionOffset[], deadline: number): Promise<void> {
    this.checkClosed();
    const subs = this.ctx.subscriptions;
    let generationId = NO_GENERATION;
    let memberId = '';
    if (subs.hasAutoAssignedPartitions) {
      if (this.state !== 'STABLE' || this.generationId === NO_GENERATION) {
        if (this.state === 'PREPARING_REBALANCE' || this.state === 'COMPLETING_REBALANCE') throw new RebalanceInProgressCommitError();
        throw new CommitFailedError();
      }
      generationId = this.generationId;
      memberId = this.memberId;
    }
    for (const o of offsets) {
      if (!Number.isSafeInteger(o.offset) || o.offset < 0) throw new RangeError(`invalid negative offset ${o.offset} for ${o.topic}-${o.partition}`);
    }
    const byTopic = new Map<string, TopicPartitionOffset[]>();
    for (const o of offsets) {
      let list = byTopic.get(o.topic);
      if (!list) byTopic.set(o.topic, (list = []));
      list.push(o);
    }
    const body = {
      groupId: this.groupId,
      generationIdOrMemberEpoch: generationId,
      memberId,
      groupInstanceId: this.config['group.instance.id'],
      retentionTimeMs: -1,
      topics: [...byTopic].map(([name, list]) => ({
        name,
        partitions: list.map((o) => ({
          partitionIndex: o.partition,
          committedOffset: o.offset,
          committedLeaderEpoch: o.leaderEpoch ?? -1,
          commitTimestamp: -1,
          committedMetadata: o.metadata ?? '',
        })),
      })),
    };
    let response: MessageData<typeof Api.OffsetCommit.response>;
    try {
      response = await this.request(Api.OffsetCommit, body, deadline);
    } catch (e) {
      if (e instanceof NetworkError) this.markCoordinatorUnknown(e.message);
      throw e;
    }
    let first: Error | null = null;
    for (const t of response.topics) {
      for (const p of t.partitions) {
        if (p.errorCode === 0 || first) continue;
        first = this.commitError(p.errorCode, `${t.name}-${p.partitionIndex}`, generationId);
      }
    }
    if (first) throw first;
    this.ctx.onCommitted(offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '', leaderEpoch: o.leaderEpoch })));
  }

  private commitError(code: number, partition: string, generationId: number): Error {
    switch (code) {
      case 15:
      case 16:
      case 7:
        this.markCoordinatorUnknown(`OffsetCommit answered ${code}`);
        return kafkaErrorFor(code, `commit of ${partition}`);
      case 27:
        this.requestRejoin('OffsetCommit answered REBALANCE_IN_PROGRESS');
        return new RebalanceInProgressCommitError();
      case 25:
      case 22:
        if (generationId === this.generationId && generationId !== NO_GENERATION) this.resetGeneration(code === 25);
        if (this.ctx.subscriptions.hasAutoAssignedPartitions) this.requestRejoin('OffsetCommit refused the generation');
        return new CommitFailedError();
      default:
        return kafkaErrorFor(code, `commit of ${partition} for group ${this.groupId}`);
    }
  }

  /** The committed offsets of partitions (Kafka's fetchCommittedOffsets); a partition without one is left out. */
  async fetchCommittedOffsets(partitions: readonly TopicPartition[], deadline: number): Promise<Map<string, TopicPartitionOffset>> {
    const out = new Map<string, TopicPartitionOffset>();
    if (partitions.length === 0) return out;
    const byTopic = groupByTopic(partitions);
    const topics = [...byTopic].map(([name, partitionIndexes]) => ({ name, partitionIndexes }));
    const groupId = this.groupId;
    for (;;) {
      let retry: Error | null = null;
      try {
        const response = await this.request(
          Api.OffsetFetch,
          (version: number) =>
            version >= 8 ? { groups: [{ groupId, memberId: null, memberEpoch: -1, topics }], requireStable: true } : { groupId, topics, requireStable: true },
          deadline,
        );
        const group = response.groups?.length ? response.groups[0] : response;
        const code = group.errorCode ?? 0;
        if (code !== 0) {
          if (COORDINATOR_MOVED.has(code)) this.markCoordinatorUnknown(`OffsetFetch answered ${code}`);
          const error = kafkaErrorFor(code, `OffsetFetch of group ${groupId}`);
          if (!isRetriableCode(code) && code !== 88) throw error;
          retry = error;
        } else {
          for (const t of group.topics) {
            for (const p of t.partitions) {
              if (p.errorCode === 88) retry = kafkaErrorFor(88, `OffsetFetch of ${t.name}-${p.partitionIndex}`);
              else if (p.errorCode !== 0 && p.errorCode !== 3) throw kafkaErrorFor(p.errorCode, `OffsetFetch of ${t.name}-${p.partitionIndex}`);
              else if (p.errorCode === 0 && p.committedOffset >= 0) {
                out.set(tpKey(t.name, p.partitionIndex), {
                  topic: t.name,
                  partition: p.partitionIndex,
                  offset: p.committedOffset,
                  metadata: p.metadata ?? null,
                  leaderEpoch: p.committedLeaderEpoch >= 0 ? p.committedLeaderEpoch : undefined,
                });
              }
            }
          }
        }
      } catch (e) {
        if (!isRetriable(e)) throw e;
        if (e instanceof NetworkError) this.markCoordinatorUnknown(e.message);
        retry = e as Error;
      }
      if (!retry) return out;
      out.clear();
      if (Date.now() >= deadline) throw new TimeoutError(`Timeout fetching committed offsets of group ${groupId}: ${retry.message}`);
      await sleepWithin(this.config['retry.backoff.ms'], deadline);
    }
  }

  // --- closing ------------------------------------------------------------------

  /**
   * close(): commits (auto-commit), gives up the partitions through the
   * listener, and leaves the group so that another member takes over at once.
   */
  async close(deadline: number): Promise<void> {
    if (this.closed) return;
    try {
      await this.awaitAutoCommit();
      const subs = this.ctx.subscriptions;
      if (this.autoCommitEnabled && this.state === 'STABLE') {
        try {
          await this.commitSync(subs.allConsumed(), deadline);
        } catch (e) {
          this.ctx.log('warn', `group ${this.groupId}: commit on close failed: ${(e as Error).message}`);
        }
      }
      if (subs.hasAutoAssignedPartitions) {
        const owned = subs.assignedPartitions();
        if (owned.length > 0) {
          const lost = this.generationId === NO_GENERATION || this.memberId === '';
          const failure = await this.invoke(lost ? 'onPartitionsLost' : 'onPartitionsRevoked', owned);
          if (failure) this.ctx.log('warn', `group ${this.groupId}: ${(failure as Error).message}`);
        }
        if (this.joinTask) await raceDeadline(this.joinTask, Math.min(deadline, Date.now() + 1000));
        await raceDeadline(this.leaveGroup('the consumer is being closed'), deadline);
      }
    } finally {
      this.closed = true;
      this.stopHeartbeat();
      this.coordinator?.connection.close();
      this.coordinator = null;
    }
  }

  private checkClosed(): void {
    if (this.closed) throw new KafkaClientError('the consumer coordinator is closed');
  }
}

/** The highest rebalance protocol every assignor supports (COOPERATIVE over EAGER), as the Java client picks it. */
function commonProtocol(assignors: readonly ConsumerPartitionAssignor[]): RebalanceProtocol {
  if (assignors.length === 0) throw new KafkaClientError('partition.assignment.strategy names no assignor');
  const all = assignors.map((a) => new Set(a.supportedProtocols));
  if (all.every((s) => s.has('COOPERATIVE'))) return 'COOPERATIVE';
  if (all.every((s) => s.has('EAGER'))) return 'EAGER';
  throw new KafkaClientError(`the assignors ${assignors.map((a) => a.name).join(', ')} support no common rebalance protocol`);
}
