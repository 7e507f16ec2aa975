import { describe, expect, it } from 'vitest';
import { ErrorCode } from '../../../src/protocol/error-codes.js';
import { describeGroup, groupSuite, heartbeat, join, joinWithId, startGroupBroker, sync, track, waitFor } from './group-harness.js';

// The timers of the rebalance protocol: sessions, the rebalance timeout, the SyncGroup deadline, the initial delay.
// Each test checks what a timer firing does, never how long it took.
describe('rebalance timeouts (raw protocol)', () => {
  const gb = groupSuite({ 'group.initial.rebalance.delay.ms': 0, 'group.min.session.timeout.ms': 500, 'group.max.session.timeout.ms': 60_000 });
  const connect = () => gb.connect();

  it('removes a member whose session expires', async () => {
    const a = await connect();
    const ja = await joinWithId(a, 'expiry', { sessionTimeoutMs: 700 });
    await sync(a, 'expiry', 1, ja.memberId, [{ memberId: ja.memberId, assignment: Buffer.from('x') }]);
    // No heartbeats: the session ends, the group rebalances to nobody and is Empty in generation 2.
    await waitFor(async () => (await describeGroup(a, 'expiry')).groupState === 'Empty', 'Empty after session timeout', 10_000);
    expect(await heartbeat(a, 'expiry', 1, ja.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    expect(gb.group('expiry')!.generationId).toBe(2);
  });

  it('completes a rebalance without a member that keeps heartbeating but never rejoins, once the rebalance timeout passes', async () => {
    const [a, b2] = [await connect(), await connect()];
    const j1 = await joinWithId(a, 'slow', { sessionTimeoutMs: 5000, rebalanceTimeoutMs: 800 });
    await sync(a, 'slow', 1, j1.memberId);
    // a is alive (its heartbeats keep the session) but does not rejoin.
    const beat = setInterval(() => void heartbeat(a, 'slow', 1, j1.memberId).catch(() => {}), 200);
    try {
      const first = await join(b2, 'slow', { sessionTimeoutMs: 5000, rebalanceTimeoutMs: 800 });
      expect(first.errorCode).toBe(ErrorCode.MEMBER_ID_REQUIRED);
      const bJoin = track(join(b2, 'slow', { memberId: first.memberId, sessionTimeoutMs: 5000, rebalanceTimeoutMs: 800 }));
      // While the rebalance waits for a, b's join is held.
      await waitFor(() => gb.group('slow')?.members.get(first.memberId)?.isAwaitingJoin === true, "b's join held", 5000);
      expect(gb.group('slow')!.state).toBe('PreparingRebalance');
      expect(bJoin.settled()).toBe(false);
      // Only the rebalance timer can end this: a never rejoins and its session is kept alive.
      const jb = await bJoin.promise;
      expect(jb).toMatchObject({ errorCode: 0, generationId: 2, leader: jb.memberId });
      expect(jb.members.map((m: any) => m.memberId)).toEqual([jb.memberId]);
    } finally {
      clearInterval(beat);
    }
    expect(await heartbeat(a, 'slow', 2, j1.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
  });

  it('removes members that never send SyncGroup within the rebalance timeout; followers waiting are told to rejoin', async () => {
    const [a, b2] = [await connect(), await connect()];
    const ja = await joinWithId(a, 'no-sync', { rebalanceTimeoutMs: 800 });
    await sync(a, 'no-sync', 1, ja.memberId);
    const fb = await join(b2, 'no-sync', { rebalanceTimeoutMs: 800 });
    const [ra, rb] = await Promise.all([
      join(a, 'no-sync', { memberId: ja.memberId, rebalanceTimeoutMs: 800 }),
      join(b2, 'no-sync', { memberId: fb.memberId, rebalanceTimeoutMs: 800 }),
    ]);
    expect([ra.generationId, rb.generationId, ra.leader]).toEqual([2, 2, ja.memberId]);
    // b syncs and waits for the leader's assignment, which never comes; only the SyncGroup deadline answers it.
    const waiting = await sync(b2, 'no-sync', 2, fb.memberId);
    expect(waiting.errorCode).toBe(ErrorCode.REBALANCE_IN_PROGRESS);
    expect(await heartbeat(a, 'no-sync', 2, ja.memberId)).toBe(ErrorCode.UNKNOWN_MEMBER_ID);
    // b rejoins alone and leads generation 3.
    const rejoined = await join(b2, 'no-sync', { memberId: fb.memberId, rebalanceTimeoutMs: 800 });
    expect(rejoined).toMatchObject({ errorCode: 0, generationId: 3, leader: fb.memberId });
  });
});

describe('group.initial.rebalance.delay.ms', () => {
  it('holds the first rebalance of an empty group, extending it while members keep arriving', async () => {
    const gb = await startGroupBroker({ 'group.initial.rebalance.delay.ms': 1000 });
    try {
      const [a, c] = [await gb.connect(), await gb.connect()];
      // JoinGroup v3: member ids come at once, no MEMBER_ID_REQUIRED round trip. A rebalance timeout of
      // 1.5 s leaves 0.5 s after the first delay: a second, shorter delay.
      const first = track(join(a, 'delayed', { version: 3, rebalanceTimeoutMs: 1500 }));
      await waitFor(() => gb.group('delayed')?.state === 'PreparingRebalance', 'the first member waiting', 5000);
      const second = track(join(c, 'delayed', { version: 3, rebalanceTimeoutMs: 1500 }));
      await waitFor(() => gb.group('delayed')!.size === 2, 'the second member waiting', 5000);
      expect(gb.group('delayed')!.newMemberAdded).toBe(true);
      // The first delay runs out with a member added during it: a second delay follows instead of the join completing.
      await waitFor(() => !gb.group('delayed')!.newMemberAdded, 'the first delay to run out', 5000);
      expect(gb.group('delayed')!.state).toBe('PreparingRebalance');
      expect([first.settled(), second.settled()]).toEqual([false, false]);
      const [ja, jc] = await Promise.all([first.promise, second.promise]);
      expect([ja.errorCode, jc.errorCode, ja.generationId, jc.generationId]).toEqual([0, 0, 1, 1]);
      const leader = [ja, jc].find((j) => j.members.length > 0)!;
      expect(leader.members).toHaveLength(2);
    } finally {
      await gb.stop();
    }
  });
});
