import { ErrorCode } from '../../protocol/error-codes.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import type { MessageSchema } from '../../protocol/schema/schema.js';
import { Api, type ApiDef, type RequestBody } from '../network/apis.js';
import type { BrokerConnection } from '../network/broker-connection.js';
import { openCoordinatorConnection } from '../network/coordinator-connection.js';
import { isRetriable, KafkaClientError, kafkaErrorFor, NetworkError, TimeoutError } from '../network/errors.js';
import { CoordinatorKeyType, coordinatorOf, findCoordinatorBody } from '../network/find-coordinator.js';
import type { NetworkClient } from '../network/network-client.js';
import { raceDeadline, sleep, sleepWithin, TIMED_OUT, withDeadline } from '../network/timing.js';

export type MemberState = 'UNJOINED' | 'PREPARING_REBALANCE' | 'COMPLETING_REBALANCE' | 'STABLE';

/** The settings a group member runs on (Kafka's GroupRebalanceConfig), by their consumer config names. */
export interface GroupRebalanceConfig {
  readonly 'group.id': string | null;
  readonly 'group.instance.id': string | null;
  readonly 'session.timeout.ms': number;
  /** The rebalance timeout a member asks for in JoinGroup, and how long it may go without a poll. */
  readonly 'max.poll.interval.ms': number;
  readonly 'heartbeat.interval.ms': number;
  readonly 'retry.backoff.ms': number;
  readonly 'request.timeout.ms': number;
}

/** What group membership needs from the client that owns it. */
export interface GroupContext {
  readonly config: GroupRebalanceConfig;
  readonly client: NetworkClient;
  /** Wakes a waiting poll() (a rebalance is needed). */
  wake(): void;
  log(level: 'debug' | 'info' | 'warn' | 'error', message: string): void;
}

/** Every member's id, static instance id and protocol metadata, as JoinGroup gives them to the leader. */
export type JoinedMember = { memberId: string; groupInstanceId: string | null; metadata: Buffer };

interface Joined {
  readonly generationId: number;
  readonly memberId: string;
  readonly protocolName: string;
  /** Every member's metadata when this member leads the group, else null. */
  readonly members: JoinedMember[] | null;
}

/** A finished JoinGroup / SyncGroup round: the generation joined and this member's assignment. */
export interface JoinResult {
  readonly generationId: number;
  readonly memberId: string;
  readonly protocolName: string;
  readonly assignment: Buffer;
}

export const NO_GENERATION = -1;

/** Codes after which the coordinator must be found again. */
export const COORDINATOR_MOVED: ReadonlySet<number> = new Set([ErrorCode.NETWORK_EXCEPTION, ErrorCode.COORDINATOR_NOT_AVAILABLE, ErrorCode.NOT_COORDINATOR]);

/**
 * Membership of a group under the classic protocol, whatever the members
 * share (Kafka's AbstractCoordinator): finding the group coordinator on a
 * connection of its own, JoinGroup then SyncGroup in the background with the
 * leader's assignment, heartbeats on a timer that also watches the poll and
 * session timeouts, and LeaveGroup. What the members' protocol is, what the
 * leader assigns and what happens around a rebalance are the subclass's
 * (ConsumerCoordinator).
 */
export abstract class AbstractCoordinator<C extends GroupContext = GroupContext> {
  readonly groupId: string;
  generationId = NO_GENERATION;
  memberId = '';
  protocolName: string | null = null;
  state: MemberState = 'UNJOINED';
  rejoinNeeded = true;
  lastPollMs = Date.now();
  /** A join in the background, started by ensureActiveGroup and completed by a later call. */
  protected joinTask: Promise<JoinResult> | null = null;
  protected closed = false;
  private needsJoinPrepare = true;
  private coordinator: { nodeId: number; connection: BrokerConnection } | null = null;
  private finding: Promise<BrokerConnection> | null = null;
  private heartbeatTimer: NodeJS.Timeout | null = null;
  private heartbeatInFlight = false;
  private lastHeartbeatOkMs = 0;
  /** An error the heartbeat met that the next poll must throw (a fenced static member). */
  private fatal: Error | null = null;

  constructor(protected readonly ctx: C) {
    this.groupId = ctx.config['group.id']!;
  }

  protected get config(): C['config'] {
    return this.ctx.config;
  }

  get coordinatorNodeId(): number | null {
    return this.coordinator?.nodeId ?? null;
  }

  // --- what a kind of member adds ------------------------------------------------------

  /** JoinGroup's protocolType ("consumer"). */
  protected abstract protocolType(): string;

  /** The protocols this member supports, best first, each with its metadata (Kafka's metadata()). */
  protected abstract metadata(): Array<{ name: string; metadata: Buffer }>;

  /** Before a JoinGroup: give up what the coming rebalance may take away. */
  protected abstract onJoinPrepare(deadline: number): Promise<void>;

  /** The leader's work: every member's assignment under the chosen protocol. */
  protected abstract performAssignment(protocolName: string, members: JoinedMember[]): Promise<Array<{ memberId: string; assignment: Buffer }>>;

  /** After a rebalance: take up the assignment this member was given. */
  protected abstract onJoinComplete(result: JoinResult): Promise<void>;

  /** close()'s own work before leaving; returns whether the member leaves the group. */
  protected abstract onClose(deadline: number): Promise<boolean>;

  // --- the coordinator itself ----------------------------------------------------

  /** The connection to the group coordinator, found with FindCoordinator if unknown. */
  async ensureCoordinatorReady(deadline: number): Promise<BrokerConnection> {
    for (;;) {
      this.checkClosed();
      try {
        const known = this.coordinator;
        if (known && known.connection.state !== 'closed') {
          await withDeadline(known.connection.connect(), deadline, 'the group coordinator connection');
          return known.connection;
        }
        if (known) this.coordinator = null;
        this.finding ??= this.findCoordinator().finally(() => (this.finding = null));
        return await withDeadline(this.finding, deadline, 'the group coordinator');
      } catch (e) {
        if (!isRetriable(e)) throw e;
        // A coordinator that cannot be reached (it died) is looked up again.
        if (e instanceof NetworkError) this.markCoordinatorUnknown(e.message);
        // Java's ensureCoordinatorReady: a retriable failure is retried until the deadline, which then
        // is a timeout (poll() returns empty and tries again), never the coordinator's error itself.
        if (Date.now() >= deadline)
          throw e instanceof TimeoutError ? e : new TimeoutError(`Timed out finding the coordinator of group ${this.groupId}: ${(e as Error).message}`);
        this.ctx.log('debug', `the coordinator of group ${this.groupId} is not available: ${(e as Error).message}`);
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
    const c = coordinatorOf(await client.send(node, Api.FindCoordinator, findCoordinatorBody(CoordinatorKeyType.GROUP, groupId)));
    if (c.errorCode !== ErrorCode.NONE) throw kafkaErrorFor(c.errorCode, c.errorMessage ?? `FindCoordinator for group ${groupId}`);
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

  /** Sends a request to the group coordinator, finding it first if needed. */
  protected async request<Req extends MessageSchema, Res extends MessageSchema>(
    api: ApiDef<Req, Res>,
    body: RequestBody<Req>,
    deadline: number,
    timeoutMs?: number,
  ): Promise<MessageData<Res>> {
    const connection = await this.ensureCoordinatorReady(deadline);
    return connection.request(api, body, timeoutMs === undefined ? {} : { timeoutMs });
  }

  // --- joining and staying in the group --------------------------------------------

  /** poll() was called: the member is alive for max.poll.interval.ms; an error the heartbeat met is thrown here. */
  protected pollHeartbeat(): void {
    this.lastPollMs = Date.now();
    if (this.fatal) {
      const e = this.fatal;
      this.fatal = null;
      throw e;
    }
  }

  requestRejoin(reason: string): void {
    if (!this.rejoinNeeded) this.ctx.log('info', `group ${this.groupId}: rejoin requested (${reason})`);
    this.rejoinNeeded = true;
    this.ctx.wake();
  }

  /**
   * Joins (or rejoins) the group: the first call prepares and starts the
   * JoinGroup/SyncGroup round in the background, and a call that finds it
   * done completes it. Returns false when the round did not finish before the
   * deadline.
   */
  protected async ensureActiveGroup(deadline: number): Promise<boolean> {
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
    const body = {
      groupId: this.groupId,
      sessionTimeoutMs: config['session.timeout.ms'],
      rebalanceTimeoutMs: config['max.poll.interval.ms'],
      memberId: this.memberId,
      groupInstanceId: config['group.instance.id'],
      protocolType: this.protocolType(),
      protocols: this.metadata(),
      reason: null,
    };
    const response = await this.request(Api.JoinGroup, body, deadline, timeoutMs);
    const code = response.errorCode;
    switch (code) {
      case ErrorCode.NONE:
        break;
      case ErrorCode.MEMBER_ID_REQUIRED: // come back with the id the coordinator chose (KIP-394)
        this.memberId = response.memberId;
        return null;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration(code === ErrorCode.UNKNOWN_MEMBER_ID);
        return null;
      case ErrorCode.REBALANCE_IN_PROGRESS:
        await sleep(config['retry.backoff.ms']);
        return null;
      default:
        throw kafkaErrorFor(code, `JoinGroup of group ${this.groupId}`);
    }
    const protocolName = response.protocolName;
    if (protocolName === null) throw kafkaErrorFor(ErrorCode.INCONSISTENT_GROUP_PROTOCOL, `JoinGroup of group ${this.groupId} chose no protocol`);
    this.memberId = response.memberId;
    this.generationId = response.generationId;
    this.protocolName = protocolName;
    const leader = response.leader === response.memberId;
    this.ctx.log(
      'info',
      `group ${this.groupId}: joined generation ${response.generationId} as ${response.memberId} (${leader ? 'leader' : 'follower'}, ${protocolName})`,
    );
    return { generationId: response.generationId, memberId: response.memberId, protocolName, members: leader ? response.members : null };
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
        protocolType: this.protocolType(),
        protocolName: joined.protocolName,
        assignments,
      },
      deadline,
      Math.max(0, deadline - Date.now()),
    );
    switch (response.errorCode) {
      case ErrorCode.NONE:
        return response.assignment as Buffer;
      case ErrorCode.REBALANCE_IN_PROGRESS: // the group moved on; join again
        return null;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration(response.errorCode === ErrorCode.UNKNOWN_MEMBER_ID);
        return null;
      default:
        throw kafkaErrorFor(response.errorCode, `SyncGroup of group ${this.groupId}`);
    }
  }

  protected resetGeneration(resetMemberId: boolean): void {
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
      this.ctx.log(
        'warn',
        `group ${this.groupId}: consumer poll timeout has expired (max.poll.interval.ms ${config['max.poll.interval.ms']}); leaving the group`,
      );
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
      case ErrorCode.NONE:
        this.lastHeartbeatOkMs = Date.now();
        return;
      case ErrorCode.REBALANCE_IN_PROGRESS: // the session is alive; rejoin at the next poll
        this.lastHeartbeatOkMs = Date.now();
        this.requestRejoin('group is rebalancing');
        return;
      case ErrorCode.ILLEGAL_GENERATION:
        this.resetGeneration(false);
        this.ctx.wake();
        return;
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.FENCED_INSTANCE_ID:
        this.resetGeneration(true);
        if (code === ErrorCode.FENCED_INSTANCE_ID)
          this.fatal = kafkaErrorFor(code, `group ${this.groupId}: another consumer with the same group.instance.id joined`);
        this.ctx.wake();
        return;
      case ErrorCode.COORDINATOR_LOAD_IN_PROGRESS:
        return;
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
        this.markCoordinatorUnknown(`heartbeat answered ${code}`);
        return;
      default:
        this.ctx.log('warn', `group ${this.groupId}: heartbeat answered error ${code}`);
    }
  }

  // --- leaving ------------------------------------------------------------------

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
      if (response.errorCode !== ErrorCode.NONE) this.ctx.log('info', `group ${this.groupId}: LeaveGroup answered ${response.errorCode}`);
    } catch (e) {
      this.ctx.log('debug', `group ${this.groupId}: LeaveGroup failed: ${(e as Error).message}`);
    }
  }

  /**
   * close(): the subclass's work first (onClose), then LeaveGroup so that
   * another member takes over at once; the coordinator connection closes
   * whatever happens.
   */
  async close(deadline: number): Promise<void> {
    if (this.closed) return;
    try {
      if (await this.onClose(deadline)) {
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

  protected checkClosed(): void {
    if (this.closed) throw new KafkaClientError('the consumer coordinator is closed');
  }
}
