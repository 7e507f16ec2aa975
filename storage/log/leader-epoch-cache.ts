import type { LogDirectory } from '../backend/storage-backend.js';
import { type EpochEntry, formatLeaderEpochCheckpoint, LEADER_EPOCH_CHECKPOINT, parseLeaderEpochCheckpoint } from '../checkpoint/leader-epoch-checkpoint.js';

/**
 * Which leader epoch wrote which offsets: for each epoch, the first offset it
 * appended. Replicas use it to find where their log diverges from a new
 * leader's (OffsetForLeaderEpoch). Kept in the partition's
 * leader-epoch-checkpoint, rewritten atomically whenever it changes.
 */
export class LeaderEpochCache {
  private constructor(
    private readonly dir: LogDirectory,
    private entries: EpochEntry[],
  ) {}

  static async load(dir: LogDirectory): Promise<LeaderEpochCache> {
    const entries = (await dir.exists(LEADER_EPOCH_CHECKPOINT))
      ? parseLeaderEpochCheckpoint((await dir.readAll(LEADER_EPOCH_CHECKPOINT)).toString('utf8'), `${dir.path}/${LEADER_EPOCH_CHECKPOINT}`)
      : [];
    return new LeaderEpochCache(dir, entries);
  }

  get latestEpoch(): number {
    return this.entries[this.entries.length - 1]?.epoch ?? -1;
  }

  get all(): readonly EpochEntry[] {
    return this.entries;
  }

  /** Records that `epoch` starts at `startOffset`, if it is newer than the latest. */
  async assign(epoch: number, startOffset: number): Promise<void> {
    if (epoch < 0 || epoch <= this.latestEpoch) return;
    this.entries.push({ epoch, startOffset });
    await this.persist();
  }

  /**
   * The end offset of `epoch` as this log knows it (the start of the next
   * epoch, or the log end for the latest), and the largest epoch ≤ it that this
   * log has; [-1, -1] when it has none.
   */
  endOffsetFor(epoch: number, logEndOffset: number): { epoch: number; endOffset: number } {
    let i = this.entries.length - 1;
    while (i >= 0 && this.entries[i]!.epoch > epoch) i--;
    if (i < 0) return { epoch: -1, endOffset: -1 };
    const next = this.entries[i + 1];
    return { epoch: this.entries[i]!.epoch, endOffset: next ? next.startOffset : logEndOffset };
  }

  /** Forgets epochs that start at or after `offset` (the log was truncated there). */
  async truncateFromEnd(offset: number): Promise<void> {
    const kept = this.entries.filter((e) => e.startOffset < offset);
    if (kept.length === this.entries.length) return;
    this.entries = kept;
    await this.persist();
  }

  /** Moves the first epoch's start up to the new log start offset. */
  async truncateFromStart(offset: number): Promise<void> {
    let i = 0;
    while (i + 1 < this.entries.length && this.entries[i + 1]!.startOffset <= offset) i++;
    const kept = this.entries.slice(i);
    if (kept[0] && kept[0].startOffset < offset) kept[0] = { epoch: kept[0].epoch, startOffset: offset };
    if (kept.length === this.entries.length && kept[0]?.startOffset === this.entries[0]?.startOffset) return;
    this.entries = kept;
    await this.persist();
  }

  async clear(): Promise<void> {
    this.entries = [];
    await this.persist();
  }

  private async persist(): Promise<void> {
    await this.dir.writeAtomically(LEADER_EPOCH_CHECKPOINT, Buffer.from(formatLeaderEpochCheckpoint(this.entries)));
  }
}
