import { setTimeout as sleep } from 'node:timers/promises';
import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import type { BrokerInfo } from '../../zk/zk-data.js';
import { isCode } from '../../zk/zookeeper-client.js';

type Log = (level: 'info' | 'warn' | 'error', message: string) => void;

/**
 * This broker's ephemeral /brokers/ids/<id>: what makes it live to the
 * controller. Its czxid is the broker epoch, which the controller's requests
 * carry. A registration left by this broker's previous process (killed
 * before its session ended) is waited out, up to the session timeout; each
 * new ZooKeeper session registers again (Kafka's re-registration on a new
 * session), with a new epoch.
 */
export class BrokerRegistration {
  private current = -1n;
  private readonly epochListeners = new Set<(epoch: bigint) => void>();
  private markRegistered!: () => void;
  private readonly firstRegistration = new Promise<void>((resolve) => (this.markRegistered = resolve));

  constructor(
    private readonly zk: KafkaZkClient,
    private readonly info: BrokerInfo,
    private readonly sessionTimeoutMs: number,
    private readonly log: Log,
  ) {
    zk.zk.registerStateChangeHandler({
      name: `broker-registration-${info.id}`,
      onNewSession: async () => {
        try {
          await this.register();
          this.log('info', `broker ${info.id} registered again in a new ZooKeeper session (broker epoch ${this.current})`);
        } catch (e) {
          this.log('error', `broker ${info.id} could not register again after its ZooKeeper session expired: ${(e as Error).message}`);
        }
      },
    });
  }

  /** The broker epoch: the registration znode's czxid (-1 before registering). */
  get epoch(): bigint {
    return this.current;
  }

  /** Resolves once this process has registered (at once after that). */
  whenRegistered(): Promise<void> {
    return this.firstRegistration;
  }

  onEpochChange(listener: (epoch: bigint) => void): void {
    this.epochListeners.add(listener);
  }

  /**
   * Rewrites the registration in place with new endpoints (Kafka's
   * KafkaZkClient.updateBrokerInfo, after advertised.listeners changed): the
   * broker epoch stays, and the controller, watching the znode's data, tells
   * every broker. A later session registers with them too.
   */
  async updateEndpoints(endpoints: BrokerInfo['endpoints']): Promise<void> {
    this.info.endpoints = endpoints;
    if (this.current >= 0n) await this.zk.updateBrokerInfo(this.info);
  }

  async register(): Promise<bigint> {
    const deadline = Date.now() + this.sessionTimeoutMs * 2 + 5_000;
    for (;;) {
      try {
        this.current = await this.zk.registerBroker(this.info);
        this.markRegistered();
        for (const listener of this.epochListeners) listener(this.current);
        return this.current;
      } catch (error) {
        if (!isCode(error, 'NODEEXISTS') || Date.now() > deadline) throw error;
        // Most likely our own previous process, whose session has not expired yet.
        this.log('info', `broker id ${this.info.id} is still registered by an earlier session; waiting for it to expire`);
        await sleep(Math.min(1_000, Math.max(100, this.sessionTimeoutMs / 10)));
      }
    }
  }
}
