/**
 * What a partition's leader knows of one follower, from the follower's
 * Fetch requests: how far its log reaches and when it was last caught up.
 * The ISR is decided on these (Kafka's Replica on the leader).
 */
export class FollowerState {
  /** The follower's log end offset: the offset of its latest fetch (-1 until it fetches). */
  logEndOffset = -1;
  logStartOffset = -1;
  /** The leader's log end offset when the follower last fetched. */
  private lastFetchLeaderLogEndOffset = -1;
  private lastFetchTimeMs = 0;

  constructor(
    readonly brokerId: number,
    /** When the follower last had everything the leader had (Kafka's lastCaughtUpTimeMs). */
    public lastCaughtUpTimeMs: number,
  ) {}

  /**
   * Records a fetch at `fetchOffset` while the leader's log ended at
   * `leaderEndOffset`. A fetch reaching the leader's end means caught up
   * now; one reaching what the leader had at the previous fetch means caught
   * up as of that previous fetch (so a follower that keeps up with a steady
   * stream is never seen as lagging just because new data arrived meanwhile).
   */
  update(fetchOffset: number, logStartOffset: number, fetchTimeMs: number, leaderEndOffset: number): void {
    if (fetchOffset >= leaderEndOffset) this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, fetchTimeMs);
    else if (fetchOffset >= this.lastFetchLeaderLogEndOffset) this.lastCaughtUpTimeMs = Math.max(this.lastCaughtUpTimeMs, this.lastFetchTimeMs);
    this.logEndOffset = fetchOffset;
    this.logStartOffset = logStartOffset;
    this.lastFetchLeaderLogEndOffset = leaderEndOffset;
    this.lastFetchTimeMs = fetchTimeMs;
  }
}
