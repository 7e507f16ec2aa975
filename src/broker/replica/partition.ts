import type { AppendInfo, FetchData, Log } from '../../../storage/log/log.js';
import { KafkaError, ErrorCode, errorCodeOf } from '../../protocol/error-codes.js';

export type BrokerLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * One partition as this broker sees it: its log, its replicas, the in-sync
 * replica set and the high watermark. A single broker is the degenerate case
 * of replication: replicas = ISR = [this broker], so the high watermark
 * follows the log end at once. Followers, ISR shrink/expand and leader epochs
 * from a controller plug in here.
 */
export class Partition {
  leaderEpoch = 0;
  isr: number[];
  private readonly appendListeners = new Set<(bytes: number) => void>();
  /** Appends are failing on the storage (a full disk): reported when they start to and when they stop. */
  private storageFailing = false;

  constructor(
    readonly topic: string,
    readonly index: number,
    readonly log: Log,
    public replicas: number[],
    readonly localBrokerId: number,
    private readonly report: BrokerLog = () => {},
  ) {
    this.isr = [...replicas];
    this.log.highWatermark = this.log.logEndOffset;
  }

  get leaderId(): number {
    return this.localBrokerId;
  }

  get highWatermark(): number {
    return this.log.highWatermark;
  }

  /** Without transactions every record below the high watermark is stable. */
  get lastStableOffset(): number {
    return this.log.highWatermark;
  }

  get logStartOffset(): number {
    return this.log.logStartOffset;
  }

  get logEndOffset(): number {
    return this.log.logEndOffset;
  }

  /**
   * Appends a produce request's batches as leader. acks=all needs
   * min.insync.replicas in the ISR, checked before writing (Kafka's NOT_ENOUGH_REPLICAS).
   */
  async appendAsLeader(records: Buffer, requiredAcks: number): Promise<AppendInfo> {
    if (requiredAcks === -1 && this.isr.length < this.log.config.minInSyncReplicas) {
      throw new KafkaError(ErrorCode.NOT_ENOUGH_REPLICAS, `${this.topic}-${this.index}: ${this.isr.length} in-sync replicas, min.insync.replicas is ${this.log.config.minInSyncReplicas}`);
    }
    let info: AppendInfo;
    try {
      info = await this.log.append(records, { leaderEpoch: this.leaderEpoch });
    } catch (error) {
      if (errorCodeOf(error) === ErrorCode.KAFKA_STORAGE_ERROR && !this.storageFailing) {
        this.storageFailing = true;
        this.report('error', `appends to ${this.topic}-${this.index} fail in ${this.log.dir.path}, answered KAFKA_STORAGE_ERROR until one succeeds: ${(error as Error).message}`);
      }
      throw error;
    }
    if (this.storageFailing) {
      this.storageFailing = false;
      this.report('info', `appends to ${this.topic}-${this.index} succeed again`);
    }
    this.maybeIncrementHighWatermark();
    for (const listener of this.appendListeners) listener(records.length);
    return info;
  }

  /** The high watermark is the smallest log end among the ISR; alone in it, the log end itself. */
  private maybeIncrementHighWatermark(): void {
    if (this.isr.length === 1 && this.isr[0] === this.localBrokerId) this.log.highWatermark = this.log.logEndOffset;
  }

  /** Consumers read up to the high watermark (or the last stable offset under read_committed). */
  read(offset: number, maxBytes: number, upToOffset: number): Promise<FetchData> {
    return this.log.read(offset, maxBytes, upToOffset);
  }

  /** Calls `listener` with the byte count of every append until the returned function is called. */
  onAppend(listener: (bytes: number) => void): () => void {
    this.appendListeners.add(listener);
    return () => this.appendListeners.delete(listener);
  }

  /** KIP-320: a client's view of the leader epoch must match ours. */
  checkLeaderEpoch(currentLeaderEpoch: number): void {
    if (currentLeaderEpoch < 0 || currentLeaderEpoch === this.leaderEpoch) return;
    if (currentLeaderEpoch < this.leaderEpoch) throw new KafkaError(ErrorCode.FENCED_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} is older than the current ${this.leaderEpoch}`);
    throw new KafkaError(ErrorCode.UNKNOWN_LEADER_EPOCH, `leader epoch ${currentLeaderEpoch} is newer than the current ${this.leaderEpoch}`);
  }
}
