import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import type { IsrChange, IsrWriter } from '../replica/partition.js';

/** How long ISR changes gather before one notification tells the controller of them all (Kafka waits up to 5 s; a controller should hear soon). */
const NOTIFY_AFTER_MS = 50;

/**
 * A leader's ISR changes, written as Kafka's ZooKeeper-mode leaders did:
 * the partition's state znode rewritten conditional on the version the
 * leader knows (a new leader or controller decision makes it fail), then an
 * /isr_change_notification so the controller tells every broker.
 */
export class ZkIsrWriter implements IsrWriter {
  private pending: Array<{ topic: string; partition: number }> = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly zk: KafkaZkClient,
    private readonly log: (level: 'info' | 'warn' | 'error', message: string) => void,
  ) {}

  async write(change: IsrChange): Promise<number | null> {
    const tp = { topic: change.topic, partition: change.partition };
    const state = {
      leaderAndIsr: {
        leader: change.leader,
        leaderEpoch: change.leaderEpoch,
        isr: [...change.isr],
        leaderRecoveryState: 0,
        partitionEpoch: change.partitionEpoch,
      },
      controllerEpoch: change.controllerEpoch,
    };
    const version = await this.zk.conditionalUpdatePartitionState(tp, state, change.partitionEpoch);
    if (version !== null) this.notify(tp);
    return version;
  }

  private notify(tp: { topic: string; partition: number }): void {
    this.pending.push(tp);
    this.timer ??= setTimeout(() => {
      this.timer = undefined;
      const partitions = this.pending;
      this.pending = [];
      this.zk
        .propagateIsrChanges(partitions)
        .catch((e: unknown) => this.log('warn', `could not write an ISR change notification for ${partitions.length} partition(s): ${(e as Error).message}`));
    }, NOTIFY_AFTER_MS);
  }

  /** Writes what is pending now (at shutdown). */
  async flush(): Promise<void> {
    if (!this.timer) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const partitions = this.pending;
    this.pending = [];
    if (partitions.length > 0) await this.zk.propagateIsrChanges(partitions).catch(() => undefined);
  }
}
