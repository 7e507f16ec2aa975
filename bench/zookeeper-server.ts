import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort } from './free-port.js';

export { freePort };

/**
 * A real ZooKeeper (Debian's `zookeeper` 3.8) for tests and benchmarks, standalone, on
 * 127.0.0.1 and a free port, its data in a temp dir. Started with java directly (Debian's zkServer.sh is unreliable
 * here); a short tickTime lets tests use session timeouts of a second or two.
 */
export interface ZooKeeperServer {
  readonly port: number;
  /** host:port, to which tests add a chroot. */
  readonly connectString: string;
  readonly dataDir: string;
  /** The running JVM's pid (undefined while stopped). */
  readonly pid: number | undefined;
  /** SIGTERM, then SIGKILL if it has not exited within a few seconds; the data stays. */
  stop(): Promise<void>;
  /** SIGKILL: a crash; the data stays. */
  kill(): Promise<void>;
  /** Starts it again on the same port and data (after stop() or kill()). */
  start(): Promise<void>;
  /** stop() then start(). */
  restart(): Promise<void>;
  /** Stops it and deletes its temp dir: call in finally/afterAll. */
  close(): Promise<void>;
}

export interface ZooKeeperServerOptions {
  /** ZooKeeper's tickTime (default 500 ms); sessions may last from 2 to 120 ticks. */
  tickTimeMs?: number;
}

const JAVA_ARGS = [
  '-Xmx256m',
  '-XX:+UseSerialGC',
  '-cp',
  '/etc/zookeeper/conf:/usr/share/java/zookeeper.jar',
  '-Dzookeeper.admin.enableServer=false',
  'org.apache.zookeeper.server.quorum.QuorumPeerMain',
];
const START_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 5_000;

/** The JVMs started by this process (one set however often this module is loaded), killed if it exits without closing them. */
const RUNNING = Symbol.for('samsa.test.zookeeperServers');
const globals = globalThis as { [RUNNING]?: Set<ChildProcess> };
const running = (globals[RUNNING] ??= new Set<ChildProcess>());
if (!process.listeners('exit').some((l) => l.name === 'killZooKeepers')) {
  process.on('exit', function killZooKeepers() {
    for (const child of running) {
      try {
        if (child.pid !== undefined && child.exitCode === null) process.kill(child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    }
  });
}

export async function startZooKeeper(options: ZooKeeperServerOptions = {}): Promise<ZooKeeperServer> {
  const tickTimeMs = options.tickTimeMs ?? 500;
  const dir = mkdtempSync(join(tmpdir(), 'samsa-zookeeper-'));
  const dataDir = join(dir, 'data');
  mkdirSync(dataDir);
  let port = 0;
  let child: ChildProcess | undefined;

  const launch = async (): Promise<void> => {
    const config = [
      `tickTime=${tickTimeMs}`,
      `dataDir=${dataDir}`,
      `clientPort=${port}`,
      'clientPortAddress=127.0.0.1',
      `minSessionTimeout=${2 * tickTimeMs}`,
      `maxSessionTimeout=${120 * tickTimeMs}`,
      'admin.enableServer=false',
      '4lw.commands.whitelist=srvr,ruok,stat,cons,dump',
      // no fsync per write: a test's killed server loses nothing the OS has, and tests run faster
      'forceSync=no',
    ];
    const configFile = join(dir, 'zoo.cfg');
    writeFileSync(configFile, `${config.join('\n')}\n`);
    const out = openSync(join(dir, 'zookeeper.out'), 'a');
    try {
      child = spawn('java', [...JAVA_ARGS, configFile], { cwd: dir, stdio: ['ignore', out, out] });
    } finally {
      closeSync(out);
    }
    const started = child;
    running.add(started);
    started.once('exit', () => running.delete(started));
    await waitUntilServing(port, started);
  };

  const terminate = async (signal: NodeJS.Signals): Promise<void> => {
    const stopping = child;
    if (!stopping || stopping.exitCode !== null || stopping.signalCode !== null) {
      child = undefined;
      return;
    }
    const exited = new Promise<void>((resolve) => stopping.once('exit', () => resolve()));
    process.kill(stopping.pid!, signal);
    if (signal !== 'SIGKILL') {
      const timer = setTimeout(() => process.kill(stopping.pid!, 'SIGKILL'), STOP_GRACE_MS);
      await exited;
      clearTimeout(timer);
    } else {
      await exited;
    }
    child = undefined;
  };

  // a probed port may be taken before the JVM binds it: probe again a few times
  for (let attempt = 1; ; attempt++) {
    port = await freePort();
    try {
      await launch();
      break;
    } catch (error) {
      await terminate('SIGKILL');
      if (attempt === 3) {
        rmSync(dir, { recursive: true, force: true });
        throw error;
      }
    }
  }

  const server: ZooKeeperServer = {
    port,
    connectString: `127.0.0.1:${port}`,
    dataDir,
    get pid() {
      return child?.pid;
    },
    stop: () => terminate('SIGTERM'),
    kill: () => terminate('SIGKILL'),
    async start() {
      if (child) throw new Error('ZooKeeper is already running');
      try {
        await launch();
      } catch (error) {
        await terminate('SIGKILL');
        throw error;
      }
    },
    async restart() {
      await server.stop();
      await server.start();
    },
    async close() {
      try {
        await terminate('SIGTERM');
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    },
  };
  return server;
}

/** Resolves once the server answers the `srvr` four-letter word; fails if the JVM exits first. */
async function waitUntilServing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + START_TIMEOUT_MS;
  let exited = false;
  child.once('exit', () => {
    exited = true;
  });
  for (;;) {
    if (exited) throw new Error(`ZooKeeper exited (code ${child.exitCode}, signal ${child.signalCode}) before serving on port ${port}`);
    if (await answersSrvr(port)) return;
    if (Date.now() > deadline) throw new Error(`ZooKeeper did not serve on port ${port} within ${START_TIMEOUT_MS} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function answersSrvr(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    let reply = '';
    const socket = createConnection({ host: '127.0.0.1', port }, () => socket.write('srvr'));
    socket.setTimeout(2_000, () => socket.destroy());
    socket.on('data', (chunk) => {
      reply += chunk.toString();
    });
    socket.on('error', () => resolve(false));
    socket.on('close', () => resolve(reply.startsWith('Zookeeper version') && reply.includes('Mode: standalone')));
  });
}
