import type { LogManager } from '../../../storage/log/log-manager.js';
import type { LogConfig } from '../../../storage/config/log-config.js';
import { Partition, type BrokerLog } from './partition.js';

/**
 * The partitions this broker hosts, and the place fetches wait for data
 * (Kafka's fetch purgatory): a fetch that found less than min_bytes waits
 * until appends bring enough or max_wait_ms passes.
 */
export class ReplicaManager {
  private readonly partitions = new Map<string, Partition>();
  private readonly waiters = new Set<() => void>();
  private shuttingDown = false;

  constructor(
    private readonly logManager: LogManager,
    readonly brokerId: number,
    private readonly log: BrokerLog = () => {},
  ) {}

  getPartition(topic: string, index: number): Partition | undefined {
    return this.partitions.get(`${topic}-${index}`);
  }

  /**
   * Opens (creating if new) the partition's log and makes this broker its
   * leader. `overrides` are the topic's own configs, so a new log's first
   * segment is created with them; `config` is what they resolve to.
   */
  async becomeLeader(topic: string, index: number, replicas: number[], config: LogConfig, overrides: Record<string, unknown> = {}): Promise<Partition> {
    const key = `${topic}-${index}`;
    const existing = this.partitions.get(key);
    if (existing) return existing;
    const log = await this.logManager.getOrCreateLog(topic, index, overrides);
    log.config = config;
    const partition = new Partition(topic, index, log, replicas, this.brokerId, this.log);
    this.partitions.set(key, partition);
    return partition;
  }

  async deletePartition(topic: string, index: number): Promise<void> {
    this.partitions.delete(`${topic}-${index}`);
    await this.logManager.deleteLog(topic, index);
  }

  /**
   * Waits until the given partitions have received `bytesWanted` bytes of
   * appends, `timeoutMs` passes, or the broker shuts down. Returns the bytes seen.
   */
  waitForAppends(partitions: readonly Partition[], bytesWanted: number, timeoutMs: number): Promise<number> {
    if (this.shuttingDown) return Promise.resolve(0);
    return new Promise((resolve) => {
      let seen = 0;
      const unsubscribes: Array<() => void> = [];
      const finish = (): void => {
        clearTimeout(timer);
        for (const u of unsubscribes) u();
        this.waiters.delete(finish);
        resolve(seen);
      };
      const timer = setTimeout(finish, Math.max(0, timeoutMs));
      for (const p of partitions) {
        unsubscribes.push(
          p.onAppend((bytes) => {
            seen += bytes;
            if (seen >= bytesWanted) finish();
          }),
        );
      }
      this.waiters.add(finish);
    });
  }

  /** Completes every waiting fetch now and stops fetches from waiting (shutdown finishes in-flight requests instead of dropping them). */
  wakeAll(): void {
    this.shuttingDown = true;
    for (const finish of [...this.waiters]) finish();
  }
}
