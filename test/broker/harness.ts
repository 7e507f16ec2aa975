import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Broker } from '../../src/broker/broker.js';

export interface TestBroker {
  broker: Broker;
  port: number;
  bootstrap: string;
  dir: string;
  /** Stops the broker; `keepData` leaves the log dir for a restart. */
  stop(keepData?: boolean): Promise<void>;
  /** Stops and starts again on the same log dir and port settings (a clean restart). */
  restart(): Promise<TestBroker>;
}

/** Where a test broker's log lines go. */
export type TestLog = (level: 'info' | 'warn' | 'error', message: string) => void;

/** A real broker on a free loopback port with a fresh log dir; its log goes to `log`, and is quiet without one unless SAMSA_TEST_LOG is set. */
export async function startBroker(
  settings: Record<string, unknown> = {},
  dir = mkdtempSync(join(tmpdir(), 'samsa-broker-')),
  log: TestLog = quiet(),
): Promise<TestBroker> {
  const broker = await Broker.start(
    { 'broker.id': 0, listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, 'log.flush.offset.checkpoint.interval.ms': 0, ...settings },
    { log },
  );
  const handle: TestBroker = {
    broker,
    port: broker.port,
    bootstrap: `127.0.0.1:${broker.port}`,
    dir,
    async stop(keepData = false) {
      await broker.stop();
      if (!keepData) rmSync(dir, { recursive: true, force: true });
    },
    async restart() {
      await broker.stop();
      return startBroker(settings, dir, log);
    },
  };
  return handle;
}

function quiet(): TestLog {
  return process.env.SAMSA_TEST_LOG ? (level, m) => process.stderr.write(`[${level}] ${m}\n`) : () => {};
}
