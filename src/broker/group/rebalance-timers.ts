import type { GroupMetadata } from './group-metadata.js';
import type { MemberMetadata } from './member-metadata.js';

/** How the rebalance under way completes: by the initial delay (Empty groups) or when everyone rejoined. */
export interface DelayedJoin {
  initial: boolean;
  /** InitialDelayedJoin: what is left of the rebalance timeout after this delay. */
  remainingMs: number;
}

/** At most one timer per key; a timer is forgotten before its callback runs, and none keeps the process alive. */
class KeyedTimers<K> {
  private readonly timers = new Map<K, NodeJS.Timeout>();

  get size(): number {
    return this.timers.size;
  }

  /** Replaces the key's timer: `run` runs after `delayMs` unless cancelled or replaced first. */
  schedule(key: K, delayMs: number, run: () => void): void {
    this.cancel(key);
    const timer = setTimeout(() => {
      this.timers.delete(key);
      run();
    }, delayMs);
    timer.unref();
    this.timers.set(key, timer);
  }

  cancel(key: K): void {
    const timer = this.timers.get(key);
    if (timer) clearTimeout(timer);
    this.timers.delete(key);
  }

  cancelAll(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }
}

/**
 * The timers of the classic rebalance protocol, where Kafka keeps its delayed
 * operations: per group the delayed join and the deadline for SyncGroups, per
 * member its session, per KIP-394 pending member the time it has to come back
 * with its id. Only the GroupStateMachine arms and cancels them.
 */
export class RebalanceTimers {
  private readonly joins = new KeyedTimers<GroupMetadata>();
  private readonly delayedJoins = new Map<GroupMetadata, DelayedJoin>();
  private readonly syncs = new KeyedTimers<GroupMetadata>();
  private readonly sessions = new KeyedTimers<MemberMetadata>();
  private readonly pendingMembers = new Map<GroupMetadata, KeyedTimers<string>>();

  // --- the join phase of a rebalance --------------------------------------

  /** Replaces the group's delayed join: `onExpire` runs after `delayMs` unless cancelled. */
  scheduleJoin(group: GroupMetadata, join: DelayedJoin, delayMs: number, onExpire: (join: DelayedJoin) => void): void {
    this.delayedJoins.set(group, join);
    this.joins.schedule(group, delayMs, () => {
      this.delayedJoins.delete(group);
      onExpire(join);
    });
  }

  /** The group's delayed join, if one is armed. */
  delayedJoin(group: GroupMetadata): DelayedJoin | undefined {
    return this.delayedJoins.get(group);
  }

  cancelJoin(group: GroupMetadata): void {
    this.joins.cancel(group);
    this.delayedJoins.delete(group);
  }

  // --- the SyncGroup deadline and member sessions ---------------------------

  scheduleSync(group: GroupMetadata, delayMs: number, onExpire: () => void): void {
    this.syncs.schedule(group, delayMs, onExpire);
  }

  cancelSync(group: GroupMetadata): void {
    this.syncs.cancel(group);
  }

  /** Restarts the member's session: `onExpire` runs after `timeoutMs` unless it is restarted or cancelled first. */
  scheduleSession(member: MemberMetadata, timeoutMs: number, onExpire: () => void): void {
    this.sessions.schedule(member, timeoutMs, onExpire);
  }

  cancelSession(member: MemberMetadata): void {
    this.sessions.cancel(member);
  }

  // --- KIP-394 pending members ----------------------------------------------

  schedulePendingMember(group: GroupMetadata, memberId: string, timeoutMs: number, onExpire: () => void): void {
    let timers = this.pendingMembers.get(group);
    if (!timers) this.pendingMembers.set(group, (timers = new KeyedTimers()));
    const byGroup = timers;
    byGroup.schedule(memberId, timeoutMs, () => {
      if (byGroup.size === 0 && this.pendingMembers.get(group) === byGroup) this.pendingMembers.delete(group);
      onExpire();
    });
  }

  cancelPendingMember(group: GroupMetadata, memberId: string): void {
    const timers = this.pendingMembers.get(group);
    if (!timers) return;
    timers.cancel(memberId);
    if (timers.size === 0) this.pendingMembers.delete(group);
  }

  /** Every timer of the group and of its members (the group leaves this coordinator). */
  cancelAll(group: GroupMetadata): void {
    this.cancelJoin(group);
    this.cancelSync(group);
    this.pendingMembers.get(group)?.cancelAll();
    this.pendingMembers.delete(group);
    for (const member of group.members.values()) this.cancelSession(member);
  }
}
