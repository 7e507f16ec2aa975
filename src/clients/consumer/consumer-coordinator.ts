import { CONSUMER_PROTOCOL_TYPE, decodeAssignment, decodeSubscription, encodeAssignment, encodeSubscription } from '../../protocol/consumer-protocol.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import type { MessageData } from '../../protocol/schema/message-types.js';
import { compareStrings, compareTopicPartitions, groupByTopic, type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import { Api } from '../network/apis.js';
import { isRetriable, isRetriableCode, KafkaClientError, kafkaErrorFor, NetworkError, TimeoutError } from '../network/errors.js';
import { sleepWithin } from '../network/timing.js';
import { AbstractCoordinator, COORDINATOR_MOVED, type GroupContext, type JoinedMember, type JoinResult, NO_GENERATION } from './abstract-coordinator.js';
import { type ConsumerPartitionAssignor, createAssignor, type GroupMember, type RebalanceProtocol } from './assignors/index.js';
import type { ConsumerConfig } from './consumer-config.js';
import { CommitFailedError, ListenerError, RebalanceInProgressCommitError } from './errors.js';
import type { SubscriptionState } from './subscription-state.js';
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

/** What the coordinator needs from the consumer that owns it. */
export interface CoordinatorContext extends GroupContext {
  readonly config: ConsumerConfig;
  readonly subscriptions: SubscriptionState;
  listener(): ConsumerRebalanceListener | null;
  /** Offsets just committed, for the interceptors' onCommit. */
  onCommitted(offsets: readonly TopicPartitionOffset[]): void;
  /** Partitions left the assignment: drop their buffered records. */
  onPartitionsRemoved(): void;
}

/**
 * The consumer's side of the classic group protocol (Kafka's
 * ConsumerCoordinator; membership itself is AbstractCoordinator's): the
 * subscription each member sends, the leader running the assignor, the
 * rebalance listener and the new assignment, auto-commit, and committing and
 * fetching offsets.
 *
 * The rebalance protocol is the highest one every configured assignor
 * supports (with Kafka's default [range, cooperative-sticky] that is EAGER).
 * JoinGroup and SyncGroup run in the background once poll() starts a
 * rebalance; the listener's callbacks and the new assignment are applied in
 * poll(), as in the Java client.
 */
export class ConsumerCoordinator extends AbstractCoordinator<CoordinatorContext> {
  readonly assignors: ConsumerPartitionAssignor[];
  readonly protocol: RebalanceProtocol;
  private nextAutoCommitMs: number;
  private autoCommitInFlight: Promise<void> | null = null;
  /** The leader's view of the partition counts it assigned with; a change means a new rebalance. */
  private assignmentSnapshot: Map<string, number> | null = null;

  constructor(ctx: CoordinatorContext) {
    super(ctx);
    this.assignors = ctx.config['partition.assignment.strategy'].map((spec) => createAssignor(spec));
    const names = new Set<string>();
    for (const a of this.assignors) {
      if (names.has(a.name)) throw new KafkaClientError(`partition.assignment.strategy names the assignor '${a.name}' twice`);
      names.add(a.name);
    }
    this.protocol = commonProtocol(this.assignors);
    this.nextAutoCommitMs = Date.now() + ctx.config['auto.commit.interval.ms'];
  }

  get autoCommitEnabled(): boolean {
    return this.config['enable.auto.commit'];
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
    this.pollHeartbeat();
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

  // --- the consumer protocol ------------------------------------------------------

  protected protocolType(): string {
    return CONSUMER_PROTOCOL_TYPE;
  }

  /** One subscription per assignor: the topics, the assignor's user data and (cooperative) the partitions owned. */
  protected metadata(): Array<{ name: string; metadata: Buffer }> {
    const config = this.config;
    const subs = this.ctx.subscriptions;
    const topics = [...subs.subscription].sort(compareStrings);
    const topicSet = new Set(topics);
    const owned = this.protocol === 'COOPERATIVE' ? subs.assignedPartitions() : [];
    return this.assignors.map((a) => ({
      name: a.name,
      metadata: encodeSubscription({
        topics,
        userData: a.subscriptionUserData?.(topicSet) ?? null,
        ownedPartitions: owned,
        generationId: this.generationId,
        rackId: config['client.rack'] === '' ? null : config['client.rack'],
      }),
    }));
  }

  /** The leader's work: every member's subscription, metadata for all their topics, the assignor. */
  protected async performAssignment(protocolName: string, members: JoinedMember[]): Promise<Array<{ memberId: string; assignment: Buffer }>> {
    const assignor = this.assignors.find((a) => a.name === protocolName);
    if (!assignor) throw new KafkaClientError(`Coordinator selected invalid assignment protocol: ${protocolName}`);
    const groupMembers: GroupMember[] = members.map((m) => ({
      memberId: m.memberId,
      groupInstanceId: m.groupInstanceId,
      subscription: decodeSubscription(m.metadata),
    }));
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
    this.ctx.log(
      'info',
      `group ${this.groupId}: leader assigned ${[...result].map(([id, a]) => `${id}=[${a.partitions.map((p) => `${p.topic}-${p.partition}`).join(',')}]`).join(' ')}`,
    );
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

  // --- around a rebalance -----------------------------------------------------------

  protected async onJoinPrepare(deadline: number): Promise<void> {
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

  protected async onJoinComplete(result: JoinResult): Promise<void> {
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
      await fn.call(
        listener,
        partitions.map((tp) => ({ topic: tp.topic, partition: tp.partition })),
      );
      return null;
    } catch (e) {
      this.ctx.log('error', `group ${this.groupId}: rebalance listener ${callback} failed: ${(e as Error).message}`);
      return new ListenerError(`User rebalance callback ${callback} threw an error: ${(e as Error).message}`, { cause: e });
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
        if (p.errorCode === ErrorCode.NONE || first) continue;
        first = this.commitError(p.errorCode, `${t.name}-${p.partitionIndex}`, generationId);
      }
    }
    if (first) throw first;
    this.ctx.onCommitted(
      offsets.map((o) => ({ topic: o.topic, partition: o.partition, offset: o.offset, metadata: o.metadata ?? '', leaderEpoch: o.leaderEpoch })),
    );
  }

  private commitError(code: number, partition: string, generationId: number): Error {
    switch (code) {
      case ErrorCode.COORDINATOR_NOT_AVAILABLE:
      case ErrorCode.NOT_COORDINATOR:
      case ErrorCode.REQUEST_TIMED_OUT:
        this.markCoordinatorUnknown(`OffsetCommit answered ${code}`);
        return kafkaErrorFor(code, `commit of ${partition}`);
      case ErrorCode.REBALANCE_IN_PROGRESS:
        this.requestRejoin('OffsetCommit answered REBALANCE_IN_PROGRESS');
        return new RebalanceInProgressCommitError();
      case ErrorCode.UNKNOWN_MEMBER_ID:
      case ErrorCode.ILLEGAL_GENERATION:
        if (generationId === this.generationId && generationId !== NO_GENERATION) this.resetGeneration(code === ErrorCode.UNKNOWN_MEMBER_ID);
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
        const code = group.errorCode ?? ErrorCode.NONE;
        if (code !== ErrorCode.NONE) {
          if (COORDINATOR_MOVED.has(code)) this.markCoordinatorUnknown(`OffsetFetch answered ${code}`);
          const error = kafkaErrorFor(code, `OffsetFetch of group ${groupId}`);
          if (!isRetriableCode(code) && code !== ErrorCode.UNSTABLE_OFFSET_COMMIT) throw error;
          retry = error;
        } else {
          for (const t of group.topics) {
            for (const p of t.partitions) {
              if (p.errorCode === ErrorCode.UNSTABLE_OFFSET_COMMIT) retry = kafkaErrorFor(p.errorCode, `OffsetFetch of ${t.name}-${p.partitionIndex}`);
              else if (p.errorCode !== ErrorCode.NONE && p.errorCode !== ErrorCode.UNKNOWN_TOPIC_OR_PARTITION)
                throw kafkaErrorFor(p.errorCode, `OffsetFetch of ${t.name}-${p.partitionIndex}`);
              else if (p.errorCode === ErrorCode.NONE && p.committedOffset >= 0) {
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

  /** close()'s part: commits (auto-commit) and gives up the partitions through the listener; a group member then leaves. */
  protected async onClose(deadline: number): Promise<boolean> {
    await this.awaitAutoCommit();
    const subs = this.ctx.subscriptions;
    if (this.autoCommitEnabled && this.state === 'STABLE') {
      try {
        await this.commitSync(subs.allConsumed(), deadline);
      } catch (e) {
        this.ctx.log('warn', `group ${this.groupId}: commit on close failed: ${(e as Error).message}`);
      }
    }
    if (!subs.hasAutoAssignedPartitions) return false;
    const owned = subs.assignedPartitions();
    if (owned.length > 0) {
      const lost = this.generationId === NO_GENERATION || this.memberId === '';
      const failure = await this.invoke(lost ? 'onPartitionsLost' : 'onPartitionsRevoked', owned);
      if (failure) this.ctx.log('warn', `group ${this.groupId}: ${(failure as Error).message}`);
    }
    return true;
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
