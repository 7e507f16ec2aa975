import type { KafkaZkClient } from '../../zk/kafka-zk-client.js';
import { PRODUCER_ID_BLOCK_PATH } from '../../zk/zk-data.js';
import { isCode } from '../../zk/zookeeper-client.js';

/** Producer ids a broker takes from ZooKeeper at a time (Kafka's ProducerIdsBlock size). */
const BLOCK_SIZE = 1000;

/**
 * Producer ids unique across a cluster, as Kafka's ZooKeeper-mode
 * ProducerIdManager hands them out: each broker claims a block of 1000 by a
 * version-checked rewrite of /latest_producer_id_block, and gives ids from it.
 */
export class ProducerIdManager {
  private next = 0;
  private end = -1;
  private claiming: Promise<void> | undefined;

  constructor(
    private readonly zk: KafkaZkClient,
    private readonly brokerId: number,
  ) {}

  async nextProducerId(): Promise<number> {
    while (this.next > this.end) {
      this.claiming ??= this.claimBlock().finally(() => (this.claiming = undefined));
      await this.claiming;
    }
    return this.next++;
  }

  private async claimBlock(): Promise<void> {
    for (;;) {
      let current: { data: Buffer | null; stat: { version: number } } | undefined;
      try {
        current = await this.zk.zk.getData(PRODUCER_ID_BLOCK_PATH);
      } catch (error) {
        if (!isCode(error, 'NONODE')) throw error;
      }
      const last = current?.data && current.data.length > 0 ? Number((JSON.parse(current.data.toString('utf8')) as { block_end: string }).block_end) : -1;
      const start = last + 1;
      const end = start + BLOCK_SIZE - 1;
      const data = Buffer.from(JSON.stringify({ version: 1, broker: this.brokerId, block_start: String(start), block_end: String(end) }));
      try {
        if (current) await this.zk.zk.setData(PRODUCER_ID_BLOCK_PATH, data, current.stat.version);
        else await this.zk.zk.createRecursive(PRODUCER_ID_BLOCK_PATH, data);
        this.next = start;
        this.end = end;
        return;
      } catch (error) {
        // Another broker claimed a block meanwhile: read again.
        if (!isCode(error, 'BADVERSION') && !isCode(error, 'NODEEXISTS')) throw error;
      }
    }
  }
}
