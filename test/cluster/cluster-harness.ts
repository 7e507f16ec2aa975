import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Api } from '../../src/clients/network/apis.js';
import { BrokerConnection } from '../../src/clients/network/broker-connection.js';
import { startBrokerProcess, type BrokerProcess } from '../broker/broker-process.js';
import { waitFor } from '../wait-for.js';
import { freePort, startZooKeeper, type ZooKeeperServer } from './zookeeper-server.js';

/** Settings that make a test cluster react in seconds rather than Kafka's production tens of seconds. */
export const FAST_CLUSTER: Readonly<Record<string, string>> = {
  'zookeeper.session.timeout.ms': '6000',
  'replica.lag.time.max.ms': '4000',
  'replica.fetch.wait.max.ms': '100',
  'replica.fetch.backoff.ms': '200',
  'controlled.shutdown.retry.backoff.ms': '500',
  'replica.high.watermark.checkpoint.interval.ms': '1000',
  'group.initial.rebalance.delay.ms': '0',
  'offsets.topic.num.partitions': '5',
  'auto.leader.rebalance.enable': 'false',
};

export interface ClusterOptions {
  brokers?: number;
  backend?: string;
  /** Broker settings on top of FAST_CLUSTER. */
  settings?: Record<string, string>;
}

interface Member {
  id: number;
  port: number;
  dir: string;
  process: BrokerProcess | undefined;
  /** The output of the broker's earlier processes (restarts). */
  earlier: string;
}

/**
 * A real cluster on loopback for tests: one ZooKeeper and brokers as child
 * processes (`samsa broker` with zookeeper.connect and a chroot), each on a
 * fixed free port with its own log dir, which SIGKILL, SIGTERM and restart
 * leave in place. close() stops everything by PID and removes the dirs.
 */
export class TestCluster {
  private readonly members = new Map<number, Member>();

  private constructor(
    readonly zk: ZooKeeperServer,
    private readonly root: string,
    private readonly settings: Record<string, string>,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<TestCluster> {
    const zk = await startZooKeeper();
    const root = mkdtempSync(join(tmpdir(), 'samsa-cluster-'));
    const cluster = new TestCluster(zk, root, { ...FAST_CLUSTER, 'storage.backend': options.backend ?? 'file', ...options.settings });
    try {
      const ids = Array.from({ length: options.brokers ?? 3 }, (_, i) => i + 1);
      for (const id of ids) cluster.members.set(id, { id, port: await freePort(), dir: join(root, `broker-${id}`), process: undefined, earlier: '' });
      await Promise.all(ids.map((id) => cluster.startBroker(id)));
      await cluster.waitForMembership();
      return cluster;
    } catch (e) {
      await cluster.close();
      throw e;
    }
  }

  /**
   * Waits until every running broker's metadata lists exactly the running brokers: the
   * controller has told each of them (a broker whose metadata lacks one refuses, as Kafka
   * does, a replication factor above the brokers it knows).
   */
  async waitForMembership(timeoutMs = 60_000): Promise<void> {
    const running = this.brokerIds.filter((id) => this.isRunning(id));
    await waitUntil(async () => {
      for (const id of running) {
        const connection = new BrokerConnection(id, '127.0.0.1', this.port(id), { clientId: 'samsa-cluster-harness', requestTimeoutMs: 10_000, connectTimeoutMs: 10_000, maxInFlight: 1, sendBufferBytes: -1, receiveBufferBytes: -1 });
        try {
          const md = await connection.request(Api.Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
          if (md.brokers.map((b) => b.nodeId).sort((a, b) => a - b).join() !== running.join()) return false;
        } finally {
          connection.close();
        }
      }
      return true;
    }, `every broker's metadata to list brokers ${running.join(',')}`, timeoutMs);
  }

  get connectString(): string {
    return `${this.zk.connectString}/samsa`;
  }

  get brokerIds(): number[] {
    return [...this.members.keys()];
  }

  /** Every broker's address, running or not (clients find the live ones). */
  get bootstrap(): string {
    return [...this.members.values()].map((m) => `127.0.0.1:${m.port}`).join(',');
  }

  port(id: number): number {
    return this.member(id).port;
  }

  dir(id: number): string {
    return this.member(id).dir;
  }

  isRunning(id: number): boolean {
    return this.member(id).process !== undefined;
  }

  /** What the running broker process has written to stderr. */
  output(id: number): string {
    return this.member(id).process?.output() ?? '';
  }

  /** What every process of the broker has written, its earlier ones too. */
  history(id: number): string {
    const m = this.member(id);
    return m.earlier + (m.process?.output() ?? '');
  }

  private retire(m: Member): void {
    m.earlier += `${m.process?.output() ?? ''}--- process ended ---\n`;
    m.process = undefined;
  }

  /** The running broker's process id. */
  pid(id: number): number {
    const pid = this.member(id).process?.child.pid;
    if (pid === undefined) throw new Error(`broker ${id} is not running`);
    return pid;
  }

  /** SIGSTOP: the broker freezes (no timers, no sockets answered) until resume(). */
  pause(id: number): void {
    process.kill(this.pid(id), 'SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(id: number): void {
    process.kill(this.pid(id), 'SIGCONT');
  }

  private member(id: number): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no broker ${id} in this cluster`);
    return m;
  }

  async startBroker(id: number): Promise<void> {
    const m = this.member(id);
    if (m.process) throw new Error(`broker ${id} is running`);
    m.process = await startBrokerProcess(m.dir, {
      ...this.settings,
      'broker.id': String(id),
      listeners: `PLAINTEXT://127.0.0.1:${m.port}`,
      'zookeeper.connect': this.connectString,
    }, 60_000);
  }

  /** SIGKILL: a crash. */
  async kill(id: number): Promise<void> {
    const m = this.member(id);
    if (!m.process) return;
    await m.process.stop('SIGKILL');
    this.retire(m);
  }

  /**
   * SIGTERM (controlled shutdown); resolves with the exit code. A broker still running
   * `exitWithinMs` later is killed and the call fails: a broker that does not stop is a bug
   * to report, not a test to hang.
   */
  async stop(id: number, exitWithinMs = 120_000): Promise<number | null> {
    const m = this.member(id);
    if (!m.process) return null;
    const running = m.process;
    process.kill(running.child.pid!, 'SIGCONT'); // a paused broker cannot act on SIGTERM
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), exitWithinMs)));
    const code = await Promise.race([running.stop('SIGTERM'), late]);
    clearTimeout(timer);
    if (code === 'late') {
      await running.stop('SIGKILL');
      this.retire(m);
      throw new Error(`broker ${id} did not exit within ${exitWithinMs} ms of SIGTERM; its output ends:\n${m.earlier.slice(-2000)}`);
    }
    this.retire(m);
    return code;
  }

  async restart(id: number): Promise<void> {
    await this.kill(id);
    await this.startBroker(id);
  }

  async close(): Promise<void> {
    // SIGKILL ends a paused (SIGSTOPped) process too; waited for, so no broker writes into the dirs removed below.
    await Promise.all([...this.members.values()].map(async (m) => {
      if (!m.process) return;
      await m.process.stop('SIGKILL');
      this.retire(m);
    }));
    // SAMSA_CLUSTER_LOGS=<dir> keeps every broker's output there, for a test that failed.
    const keep = process.env.SAMSA_CLUSTER_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      for (const m of this.members.values()) writeFileSync(join(keep, `${basename(this.root)}-broker-${m.id}.log`), m.earlier);
    }
    await this.zk.close();
    rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * waitFor (test/wait-for.ts) for conditions that ask the cluster: a condition that throws (a
 * broker restarting, a connection refused) has not held yet. Sixty seconds by default, as
 * failovers take a session timeout and more on a loaded machine.
 */
export function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  return waitFor(async () => {
    try {
      return await condition();
    } catch {
      return false;
    }
  }, what, timeoutMs);
}
