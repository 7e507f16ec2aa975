// A samsa cluster on loopback: one ZooKeeper and brokers as child processes.
// The cluster tests (test/cluster/cluster-harness.ts), the chaos run and
// bench:broker's cluster section all start it from here.
import type { ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Admin } from '../src/clients/admin/admin.js';
import { Api } from '../src/clients/network/apis.js';
import { BrokerConnection } from '../src/clients/network/broker-connection.js';
import { waitFor } from '../test/wait-for.js';
import { type BrokerProcess, killIfRunning, startBrokerProcess } from './broker-process.js';
import { freePort, startZooKeeper, type ZooKeeperServer } from './zookeeper-server.js';

/** Settings that make a local cluster react in seconds rather than Kafka's production tens of seconds. */
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
  /** Node options for every broker process (e.g. --cpu-prof). */
  execArgv?: readonly string[];
  /** Appends each broker's stderr to broker-<id>.log in the cluster's folder. */
  keepLogs?: boolean;
  /** How long a broker may take to start listening (60 s): its logs' recovery after a crash comes first. */
  startMs?: number;
  /**
   * Brokers talk to each other on a second listener, INTERNAL, with this security protocol
   * (its TLS and SASL settings in `settings`, as listener.name.internal.*); clients keep
   * the PLAINTEXT one.
   */
  interBrokerProtocol?: 'SSL' | 'SASL_PLAINTEXT' | 'SASL_SSL';
}

interface Member {
  id: number;
  port: number;
  /** The INTERNAL listener's port, with interBrokerProtocol. */
  internalPort: number | undefined;
  dir: string;
  process: BrokerProcess | undefined;
  /** The child of a start in progress, not yet listening (a restart on the level backend recovers for minutes). */
  starting: ChildProcess | undefined;
  /** The output of the broker's earlier processes (restarts). */
  earlier: string;
}

/**
 * A real cluster on loopback: one ZooKeeper and brokers as child processes
 * (`samsa broker` with zookeeper.connect and a chroot), each on a fixed free
 * port with its own log dir, which SIGKILL, SIGTERM and restart leave in
 * place. close() stops everything by PID and removes the dirs.
 */
export class LocalCluster {
  private readonly members = new Map<number, Member>();

  private constructor(
    readonly zk: ZooKeeperServer,
    /** The folder holding every broker's log dir (and logs, with keepLogs). */
    readonly root: string,
    private readonly settings: Record<string, string>,
    private readonly options: ClusterOptions,
  ) {}

  static async start(options: ClusterOptions = {}): Promise<LocalCluster> {
    const zk = await startZooKeeper();
    const root = mkdtempSync(join(tmpdir(), 'samsa-cluster-'));
    const cluster = new LocalCluster(zk, root, { ...FAST_CLUSTER, 'storage.backend': options.backend ?? 'file', ...options.settings }, options);
    try {
      const ids = Array.from({ length: options.brokers ?? 3 }, (_, i) => i + 1);
      for (const id of ids)
        cluster.members.set(id, {
          id,
          port: await freePort(),
          internalPort: options.interBrokerProtocol ? await freePort() : undefined,
          dir: join(root, `broker-${id}`),
          process: undefined,
          starting: undefined,
          earlier: '',
        });
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
    await waitUntil(
      async () => {
        for (const id of running) {
          const connection = new BrokerConnection(id, '127.0.0.1', this.port(id), {
            clientId: 'samsa-cluster-harness',
            requestTimeoutMs: 10_000,
            connectTimeoutMs: 10_000,
            maxInFlight: 1,
            sendBufferBytes: -1,
            receiveBufferBytes: -1,
          });
          try {
            const md = await connection.request(Api.Metadata, { topics: [], allowAutoTopicCreation: false, includeTopicAuthorizedOperations: false });
            if (
              md.brokers
                .map((b) => b.nodeId)
                .sort((a, b) => a - b)
                .join() !== running.join()
            )
              return false;
          } finally {
            connection.close();
          }
        }
        return true;
      },
      `every broker's metadata to list brokers ${running.join(',')}`,
      timeoutMs,
    );
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

  /** A broker's INTERNAL (inter-broker) listener port, with interBrokerProtocol. */
  internalPort(id: number): number | undefined {
    return this.member(id).internalPort;
  }

  dir(id: number): string {
    return this.member(id).dir;
  }

  isRunning(id: number): boolean {
    return this.member(id).process !== undefined;
  }

  /** The running broker process's PID (undefined while stopped). */
  pid(id: number): number | undefined {
    return this.member(id).process?.child.pid;
  }

  /** Whether the broker's process ended without being told to (a crash); it counts as stopped from then on. */
  exitedByItself(id: number): boolean {
    const m = this.member(id);
    const child = m.process?.child;
    if (!child || (child.exitCode === null && child.signalCode === null)) return false;
    this.retire(m);
    return true;
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

  /** SIGSTOP: the broker freezes (no timers, no sockets answered) until resume(). */
  pause(id: number): void {
    process.kill(this.runningPid(id), 'SIGSTOP');
  }

  /** SIGCONT after pause(). */
  resume(id: number): void {
    process.kill(this.runningPid(id), 'SIGCONT');
  }

  private runningPid(id: number): number {
    const pid = this.pid(id);
    if (pid === undefined) throw new Error(`broker ${id} is not running`);
    return pid;
  }

  private member(id: number): Member {
    const m = this.members.get(id);
    if (!m) throw new Error(`no broker ${id} in this cluster`);
    return m;
  }

  /** Starts a stopped broker; `overrides` are settings for this start only (an empty value unsets one). */
  async startBroker(id: number, overrides: Readonly<Record<string, string>> = {}): Promise<void> {
    const m = this.member(id);
    if (m.process) throw new Error(`broker ${id} is running`);
    const settings = {
      ...this.settings,
      'broker.id': String(id),
      listeners: `PLAINTEXT://127.0.0.1:${m.port}`,
      'zookeeper.connect': this.connectString,
      ...(this.options.interBrokerProtocol && {
        listeners: `PLAINTEXT://127.0.0.1:${m.port},INTERNAL://127.0.0.1:${m.internalPort}`,
        'listener.security.protocol.map': `PLAINTEXT:PLAINTEXT,INTERNAL:${this.options.interBrokerProtocol}`,
        'inter.broker.listener.name': 'INTERNAL',
      }),
      ...overrides,
    };
    try {
      m.process = await startBrokerProcess(m.dir, settings, {
        startMs: this.options.startMs ?? 60_000,
        execArgv: this.options.execArgv,
        logFile: this.options.keepLogs ? join(this.root, `broker-${id}.log`) : undefined,
        onSpawn: (child) => (m.starting = child),
      });
    } finally {
      m.starting = undefined;
    }
  }

  /** Waits until the brokers `ids` (all by default) are live in the controller's metadata, as a client sees it (a broker listens before it registers). */
  async waitUntilRegistered(ids: readonly number[] = this.brokerIds, timeoutMs = 60_000): Promise<void> {
    const admin = new Admin({ 'bootstrap.servers': this.bootstrap });
    try {
      await waitUntil(
        async () => {
          const { nodes } = await admin.describeCluster({ timeoutMs: 5_000 });
          return ids.every((id) => nodes.some((n) => n.id === id));
        },
        `brokers ${ids.join(',')} registered`,
        timeoutMs,
      );
    } finally {
      await admin.close();
    }
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

  /** Kills what still runs, by PID, and stops ZooKeeper; removes the cluster's folder unless `keepFiles`. */
  async close(keepFiles = false): Promise<void> {
    for (const m of this.members.values()) if (m.starting) killIfRunning(m.starting);
    // SIGKILL ends a paused (SIGSTOPped) process too; waited for, so no broker writes into the dirs removed below.
    await Promise.all(
      [...this.members.values()].map(async (m) => {
        if (!m.process) return;
        await m.process.stop('SIGKILL');
        this.retire(m);
      }),
    );
    // SAMSA_CLUSTER_LOGS=<dir> keeps every broker's output there, for a test that failed.
    const keep = process.env.SAMSA_CLUSTER_LOGS;
    if (keep) {
      mkdirSync(keep, { recursive: true });
      for (const m of this.members.values()) writeFileSync(join(keep, `${basename(this.root)}-broker-${m.id}.log`), m.earlier);
    }
    await this.zk.close();
    if (!keepFiles) rmSync(this.root, { recursive: true, force: true });
  }
}

/**
 * waitFor (test/wait-for.ts) for conditions that ask the cluster: a condition that throws (a
 * broker restarting, a connection refused) has not held yet. Sixty seconds by default, as
 * failovers take a session timeout and more on a loaded machine.
 */
export function waitUntil(condition: () => boolean | Promise<boolean>, what: string, timeoutMs = 60_000): Promise<void> {
  return waitFor(
    async () => {
      try {
        return await condition();
      } catch {
        return false;
      }
    },
    what,
    timeoutMs,
  );
}
