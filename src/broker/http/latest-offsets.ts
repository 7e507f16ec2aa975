import { Api } from '../../clients/network/apis.js';
import type { ClientSecurity } from '../../clients/network/client-security.js';
import { NetworkError } from '../../clients/network/errors.js';
import { ErrorCode } from '../../protocol/error-codes.js';
import { groupByTopic, type TopicPartition, tpKey } from '../../protocol/topic-partition.js';
import type { BrokerLog } from '../broker-log.js';
import { InterBrokerConnections } from '../inter-broker-connection.js';
import type { ReplicaManager } from '../replica/replica-manager.js';

/** ListOffsets' timestamp asking for the latest offset. */
const LATEST = -1;
/** What kafka_exporter measures lag to: the high watermark, not the last stable offset. */
const READ_UNCOMMITTED = 0;
/** A consumer's ListOffsets (not a follower's). */
const CONSUMER_REPLICA_ID = -1;

/**
 * How long a scrape waits for another broker's answer. Short, so /metrics
 * answers well within Prometheus' default 10 s scrape timeout however many
 * leaders are dead or frozen (they are asked together).
 */
export const LEADER_ANSWER_TIMEOUT_MS = 2_000;

/** Where partitions' latest offsets come from: this broker's logs, or their leaders. */
export type LatestOffsetsLookup = (partitions: readonly TopicPartition[]) => Promise<ReadonlyMap<string, number>>;

/** The latest offsets of the partitions this broker leads (a single broker leads them all), from its own logs: no network. */
export function localLatestOffsets(replicas: ReplicaManager): LatestOffsetsLookup {
  return async (partitions) => localOffsets(replicas, partitions).found;
}

export interface LeaderOffsetsOptions {
  brokerId: number;
  /** The partition's leader by this broker's metadata; -1 when it has none. */
  leaderOf(tp: TopicPartition): number;
  /** A broker's inter-broker endpoint; undefined while it is not known alive. */
  endpointOf(brokerId: number): { host: string; port: number } | undefined;
  /** The inter-broker listener's TLS and SASL (plain TCP without), as the replica fetchers and marker channels connect. */
  security?: ClientSecurity;
  log: BrokerLog;
}

/**
 * The latest offset of each partition as its leader knows it, which is what
 * kafka_exporter reads for lag: a partition this broker leads from its own
 * log (the high watermark), the others asked of their leaders with one
 * ListOffsets (LATEST, read_uncommitted) per leader, all leaders at once. A
 * partition whose leader is unknown, not alive, refuses or does not answer
 * within the timeout is left out of the answer (never a follower's older
 * high watermark): the scrape shows no lag for it rather than a wrong one.
 */
export class LeaderOffsets {
  private readonly connections: InterBrokerConnections;
  /** Leaders whose last ask failed: logged when they stop answering and when they answer again, not at every scrape. */
  private readonly failing = new Set<number>();

  constructor(
    private readonly replicas: ReplicaManager,
    private readonly options: LeaderOffsetsOptions,
  ) {
    this.connections = new InterBrokerConnections({
      clientId: `broker-${options.brokerId}-group-lag`,
      requestTimeoutMs: LEADER_ANSWER_TIMEOUT_MS,
      maxInFlight: 5,
      security: options.security,
    });
  }

  readonly lookup: LatestOffsetsLookup = async (partitions) => {
    const { found, elsewhere } = localOffsets(this.replicas, partitions);
    const byLeader = new Map<number, TopicPartition[]>();
    for (const tp of elsewhere) {
      const leader = this.options.leaderOf(tp);
      // -1: offline; this broker: leadership on its way here (LeaderAndIsr not yet applied), its log is not the leader's yet.
      if (leader < 0 || leader === this.options.brokerId) continue;
      let list = byLeader.get(leader);
      if (!list) byLeader.set(leader, (list = []));
      list.push(tp);
    }
    const answers = await Promise.all([...byLeader].map(([leader, tps]) => this.askLeader(leader, tps)));
    for (const answer of answers) for (const [key, offset] of answer) found.set(key, offset);
    return found;
  };

  private async askLeader(leader: number, partitions: readonly TopicPartition[]): Promise<Map<string, number>> {
    const offsets = new Map<string, number>();
    const endpoint = this.options.endpointOf(leader);
    const connection = endpoint && this.connections.get(leader, endpoint);
    if (!connection) return offsets;
    // The request's own timeout starts once connected; this one bounds the connect and the handshake too.
    const deadline = setTimeout(
      () => connection.close(new NetworkError(`broker ${leader} did not answer ListOffsets within ${LEADER_ANSWER_TIMEOUT_MS} ms`)),
      LEADER_ANSWER_TIMEOUT_MS,
    );
    try {
      const response = await connection.request(Api.ListOffsets, {
        replicaId: CONSUMER_REPLICA_ID,
        isolationLevel: READ_UNCOMMITTED,
        topics: [...groupByTopic(partitions)].map(([name, indexes]) => ({
          name,
          partitions: indexes.map((partitionIndex) => ({ partitionIndex, timestamp: LATEST })),
        })),
      });
      for (const t of response.topics)
        for (const p of t.partitions) if (p.errorCode === ErrorCode.NONE && p.offset >= 0) offsets.set(tpKey(t.name, p.partitionIndex), p.offset);
      if (this.failing.delete(leader)) this.options.log('info', `group lag: broker ${leader} answers ListOffsets again`);
    } catch (e) {
      if (!this.failing.has(leader)) {
        this.failing.add(leader);
        this.options.log('warn', `group lag: the partitions broker ${leader} leads are left out of the lag until it answers: ${(e as Error).message}`);
      }
      connection.close();
    } finally {
      clearTimeout(deadline);
    }
    return offsets;
  }

  close(): void {
    this.connections.close();
  }
}

/** The high watermarks of the partitions this broker leads, and the partitions it does not. */
function localOffsets(replicas: ReplicaManager, partitions: readonly TopicPartition[]): { found: Map<string, number>; elsewhere: TopicPartition[] } {
  const found = new Map<string, number>();
  const elsewhere: TopicPartition[] = [];
  for (const tp of partitions) {
    const local = replicas.getPartition(tp.topic, tp.partition);
    if (local?.isLeader) found.set(tpKey(tp.topic, tp.partition), local.highWatermark);
    else elsewhere.push(tp);
  }
  return { found, elsewhere };
}
