import { compareTopicPartitions, type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import { IllegalStateError } from '../network/errors.js';

export { IllegalStateError };

export type OffsetResetStrategy = 'earliest' | 'latest' | 'none';

/** How the consumer got its partitions (Kafka's SubscriptionState.SubscriptionType). */
export type SubscriptionType = 'NONE' | 'AUTO_TOPICS' | 'AUTO_PATTERN' | 'USER_ASSIGNED';

/** What the consumer knows about one assigned partition (Kafka's TopicPartitionState). */
export class PartitionState implements TopicPartition {
  /** The offset of the next record to return; null until it is known (from a commit or a reset). */
  position: number | null = null;
  /** The leader epoch of the record before the position, when known. */
  positionEpoch: number | undefined = undefined;
  paused = false;
  /** A reset asked for (seekToBeginning/End, or auto.offset.reset once the position proved invalid). */
  pendingReset: 'earliest' | 'latest' | null = null;
  highWatermark = -1;
  logStartOffset = -1;
  lastStableOffset = -1;
  /** Bumped on every seek, so fetches and offset look-ups sent before it are ignored. */
  epoch = 0;
  /**
   * The leader epoch the position is known to be good under (KIP-320): the metadata's when the
   * position was set or last validated. Fetches carry it, so a broker that has moved on answers
   * FENCED_LEADER_EPOCH rather than serving a stale view.
   */
  currentLeaderEpoch: number | undefined = undefined;
  /** The position must be checked with OffsetForLeaderEpoch before fetching on (Java's AWAIT_VALIDATION). */
  awaitingValidation = false;

  constructor(
    readonly topic: string,
    readonly partition: number,
  ) {}

  get hasValidPosition(): boolean {
    return this.position !== null && this.pendingReset === null;
  }

  get isFetchable(): boolean {
    return !this.paused && this.hasValidPosition && !this.awaitingValidation;
  }

  /** A position to fetch from as it is (Java's seekValidated): the application's seek, a divergence found. */
  seek(offset: number, leaderEpoch?: number): void {
    this.position = offset;
    this.positionEpoch = leaderEpoch;
    this.pendingReset = null;
    this.awaitingValidation = false;
    this.epoch++;
  }

  /**
   * A position from elsewhere — a commit, a reset, a seek with a leader epoch — that is validated
   * against the leader first when its epoch is known (Java's seekUnvalidated): the log may have
   * been truncated below it since.
   */
  seekUnvalidated(offset: number, leaderEpoch: number | undefined): void {
    this.seek(offset, leaderEpoch);
    this.awaitingValidation = leaderEpoch !== undefined;
  }

  /**
   * The metadata names the partition's leader epoch: a newer one than the position was
   * known under means a new leader, whose log may have diverged, so the position is
   * validated when it has an epoch (Java's maybeValidatePositionForCurrentLeader). An
   * older one (stale metadata) is ignored.
   */
  leaderEpochSeen(leaderEpoch: number): void {
    if (this.currentLeaderEpoch !== undefined && leaderEpoch <= this.currentLeaderEpoch) return;
    const moved = this.currentLeaderEpoch !== undefined;
    this.currentLeaderEpoch = leaderEpoch;
    if (moved && this.hasValidPosition && this.positionEpoch !== undefined) this.awaitingValidation = true;
  }

  requestReset(strategy: 'earliest' | 'latest'): void {
    this.pendingReset = strategy;
    this.awaitingValidation = false;
    this.epoch++;
  }
}

/**
 * The consumer's subscription and assignment (Kafka's SubscriptionState): the
 * topics or pattern subscribed to, or the partitions assigned by hand, and the
 * state of every assigned partition. A consumer uses one mode at a time.
 */
export class SubscriptionState {
  type: SubscriptionType = 'NONE';
  /** The topics subscribed to (for a pattern: the matching topics found in metadata). */
  subscription = new Set<string>();
  pattern: RegExp | null = null;
  /** The leader's view: every topic some member subscribes to. */
  groupSubscription = new Set<string>();
  private readonly assigned = new Map<string, PartitionState>();

  constructor(readonly defaultResetStrategy: OffsetResetStrategy) {}

  private setType(type: SubscriptionType): void {
    if (this.type === 'NONE') this.type = type;
    else if (this.type !== type) {
      throw new IllegalStateError('Subscription to topics, partitions and pattern are mutually exclusive');
    }
  }

  /** Subscribes to topics; true when the set changed. */
  subscribe(topics: Iterable<string>): boolean {
    this.setType('AUTO_TOPICS');
    return this.changeSubscription(new Set(topics));
  }

  subscribePattern(pattern: RegExp): void {
    this.setType('AUTO_PATTERN');
    this.pattern = pattern;
  }

  /** The topics a pattern now matches; true when the set changed. */
  changeSubscription(topics: Set<string>): boolean {
    const same = topics.size === this.subscription.size && [...topics].every((t) => this.subscription.has(t));
    if (same) return false;
    this.subscription = topics;
    return true;
  }

  get hasAutoAssignedPartitions(): boolean {
    return this.type === 'AUTO_TOPICS' || this.type === 'AUTO_PATTERN';
  }

  /** Partitions chosen by the application (assign()). */
  assignFromUser(partitions: readonly TopicPartition[]): void {
    this.setType('USER_ASSIGNED');
    this.setAssignment(partitions);
    this.subscription = new Set(partitions.map((tp) => tp.topic));
  }

  /** Partitions handed out by the group; states of partitions kept stay as they are. */
  assignFromSubscribed(partitions: readonly TopicPartition[]): void {
    if (!this.hasAutoAssignedPartitions) throw new IllegalStateError('Attempt to dynamically assign partitions while manual assignment in use');
    this.setAssignment(partitions);
  }

  private setAssignment(partitions: readonly TopicPartition[]): void {
    const next = new Map<string, PartitionState>();
    for (const tp of [...partitions].sort(compareTopicPartitions)) {
      const key = tpKey(tp.topic, tp.partition);
      next.set(key, this.assigned.get(key) ?? new PartitionState(tp.topic, tp.partition));
    }
    this.assigned.clear();
    for (const [k, v] of next) this.assigned.set(k, v);
  }

  unsubscribe(): void {
    this.type = 'NONE';
    this.subscription = new Set();
    this.groupSubscription = new Set();
    this.pattern = null;
    this.assigned.clear();
  }

  /** Whether a topic is one the consumer wants (for a pattern: whether it matches). */
  matches(topic: string): boolean {
    if (this.type === 'AUTO_PATTERN') return this.pattern!.test(topic);
    return this.subscription.has(topic);
  }

  state(tp: TopicPartition): PartitionState | undefined {
    return this.assigned.get(tpKey(tp.topic, tp.partition));
  }

  /** The state of an assigned partition, or an error naming it. */
  assignedState(tp: TopicPartition): PartitionState {
    const s = this.state(tp);
    if (!s) throw new IllegalStateError(`No current assignment for partition ${tp.topic}-${tp.partition}`);
    return s;
  }

  isAssigned(tp: TopicPartition): boolean {
    return this.assigned.has(tpKey(tp.topic, tp.partition));
  }

  get partitions(): PartitionState[] {
    return [...this.assigned.values()];
  }

  assignedPartitions(): TopicPartition[] {
    return this.partitions.map((s) => ({ topic: s.topic, partition: s.partition }));
  }

  /** Partitions without a position that need their committed offset (or a reset). */
  partitionsNeedingPosition(): PartitionState[] {
    return this.partitions.filter((s) => s.position === null && s.pendingReset === null);
  }

  partitionsNeedingReset(): PartitionState[] {
    return this.partitions.filter((s) => s.pendingReset !== null);
  }

  fetchablePartitions(): PartitionState[] {
    return this.partitions.filter((s) => s.isFetchable);
  }

  /** Offsets to commit: the position of every assigned partition that has one. */
  allConsumed(): Array<TopicPartition & { offset: number; leaderEpoch?: number }> {
    const out: Array<TopicPartition & { offset: number; leaderEpoch?: number }> = [];
    for (const s of this.assigned.values()) {
      if (s.position !== null && s.pendingReset === null)
        out.push({ topic: s.topic, partition: s.partition, offset: s.position, leaderEpoch: s.positionEpoch });
    }
    return out;
  }
}
