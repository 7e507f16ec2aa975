import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BrokerConfig, parseProperties } from '../../src/broker/broker-config.js';
import { ensureMetaProperties, InconsistentBrokerIdError } from '../../src/broker/meta-properties.js';
import { ErrorCode } from '../../src/protocol/error-codes.js';
import { ConfigError } from '../../storage/config/config-error.js';
import { expectThrown } from '../errors.js';
import { overrideArgs, runBrokerCommand } from './broker-process.js';

describe('server.properties', () => {
  it('parses Java properties: comments, separators, continuations', () => {
    expect(parseProperties('# comment\n! also\nbroker.id=3\nlog.dirs : /a,\\\n  /b\nnum.partitions 4\n')).toEqual({
      'broker.id': '3',
      'log.dirs': '/a,/b',
      'num.partitions': '4',
    });
  });

  it('has Kafka defaults and maps log.* settings to topic defaults', () => {
    const c = new BrokerConfig({ 'log.segment.bytes': '1048576', 'log.retention.hours': '1', 'message.max.bytes': '2000000', 'storage.backend': 'mmap' });
    expect(c.brokerId).toBe(-1);
    expect(c.logDirs).toEqual(['/tmp/kafka-logs']);
    expect(c.listeners).toEqual([{ name: 'PLAINTEXT', host: '', port: 9092, securityProtocol: 'PLAINTEXT' }]);
    expect(c.int('num.partitions')).toBe(1);
    expect(c.bool('auto.create.topics.enable')).toBe(true);
    expect(c.topicDefaults).toMatchObject({ 'segment.bytes': 1048576, 'retention.ms': 3_600_000, 'max.message.bytes': 2000000, 'storage.backend': 'mmap' });
  });

  it('prefers log.retention.ms over .minutes over .hours, and log.dirs over log.dir', () => {
    expect(new BrokerConfig({ 'log.retention.ms': '5', 'log.retention.minutes': '1', 'log.retention.hours': '1' }).topicDefaults['retention.ms']).toBe(5);
    expect(new BrokerConfig({ 'log.retention.minutes': '2', 'log.retention.hours': '1' }).topicDefaults['retention.ms']).toBe(120_000);
    expect(new BrokerConfig({ 'log.dir': '/x' }).logDirs).toEqual(['/x']);
    expect(new BrokerConfig({ 'log.dir': '/x', 'log.dirs': '/y,/z' }).logDirs).toEqual(['/y', '/z']);
  });

  it('refuses bad values naming the key and the value, and reports unknown keys', () => {
    expectThrown(
      () => new BrokerConfig({ 'num.partitions': 'many' }),
      ConfigError,
      { key: 'num.partitions', errorCode: ErrorCode.INVALID_CONFIG },
      /num.partitions: expected an integer, got 'many'/,
    );
    expectThrown(
      () => new BrokerConfig({ 'storage.backend': 'tape' }),
      ConfigError,
      { key: 'storage.backend', errorCode: ErrorCode.INVALID_CONFIG },
      /storage.backend: 'tape' is not one of file, mmap, level/,
    );
    expect(() => new BrokerConfig({ listeners: 'localhost:9092' })).toThrow(ConfigError);
    expectThrown(
      () => new BrokerConfig({ 'broker.id': '5000' }),
      ConfigError,
      { key: 'broker.id', errorCode: ErrorCode.INVALID_CONFIG },
      /reserved.broker.max.id/,
    );
    expect(new BrokerConfig({ 'no.such.key': '1' }).unknownKeys).toEqual(['no.such.key']);
  });

  it('names the key that was set, not its topic-level synonym, and refuses an empty listeners', () => {
    expect(() => new BrokerConfig({ 'log.segment.bytes': '10' })).toThrow(
      expect.objectContaining({ key: 'log.segment.bytes', message: 'log.segment.bytes: 10 is below the minimum 14' }),
    );
    expect(() => new BrokerConfig({ 'log.cleanup.policy': 'shred' })).toThrow(expect.objectContaining({ key: 'log.cleanup.policy', errorCode: 40 }));
    expect(() => new BrokerConfig({ listeners: '' })).toThrow(expect.objectContaining({ key: 'listeners', errorCode: 40 }));
    expect(() => new BrokerConfig({ listeners: ' , ' })).toThrow(/listeners: ',' names no listener/);
    expect(() => new BrokerConfig({ 'advertised.listeners': 'nohost' })).toThrow(
      /advertised.listeners: 'nohost' is not a listener like PLAINTEXT:\/\/host:9092/,
    );
  });
});

describe('meta.properties', () => {
  it("generates a broker id above reserved.broker.max.id for -1, keeps it, and refuses another broker's dir", () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-meta-'));
    try {
      const first = ensureMetaProperties([dir], -1, '');
      expect(first.brokerId).toBe(1001);
      expect(readFileSync(join(dir, 'meta.properties'), 'utf8')).toContain(`cluster.id=${first.clusterId}`);
      expect(ensureMetaProperties([dir], -1, '')).toEqual(first);
      expectThrown(() => ensureMetaProperties([dir], 7, ''), InconsistentBrokerIdError, {}, /doesn't match stored broker.id 1001/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('samsa broker', () => {
  const run = runBrokerCommand;

  it('exits 1 at start on an invalid value, naming the key', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-cli-'));
    const file = join(dir, 'server.properties');
    writeFileSync(file, `listeners=PLAINTEXT://127.0.0.1:0\nlog.dirs=${dir}/logs\nlog.segment.bytes=tiny\n`);
    try {
      const bad = await run([file]);
      expect(bad.code).toBe(1);
      expect(bad.stderr).toMatch(/log\.segment\.bytes: expected an integer, got 'tiny'/);
      const missing = await run([join(dir, 'nope.properties')]);
      expect(missing.code).toBe(1);
      expect(missing.stderr).toMatch(/cannot read the properties file/);
      const usage = await run(['--override', 'novalue']);
      expect(usage.code).toBe(2);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('samsa broker refuses settings it cannot use, naming the key, the value and what is allowed', () => {
  /** Runs `samsa broker` with these overrides (on a free port) until it exits, at most 15 s. */
  async function refused(settings: Record<string, string>) {
    const run = await runBrokerCommand(overrideArgs({ listeners: 'PLAINTEXT://127.0.0.1:0', ...settings }), 15_000);
    expect(run.timedOut, `still running after 15 s:\n${run.stderr}`).toBe(false);
    expect(run.code).toBe(1);
    expect(run.stderr).not.toMatch(/Cannot read properties|TypeError|RangeError/);
    return run.stderr;
  }

  it('an empty listeners', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-cli-'));
    try {
      expect(await refused({ listeners: '', 'log.dirs': dir })).toMatch(
        /^samsa broker: listeners: '' names no listener; at least one is needed, like PLAINTEXT:\/\/:9092/m,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it("a log dir that cannot be created (under /proc: Node's recursive mkdir spins there)", async () => {
    expect(await refused({ 'log.dirs': '/proc/samsa-logs' })).toMatch(
      /^samsa broker: log\.dirs: '\/proc\/samsa-logs' cannot be used as a log directory: ENOENT.*; log\.dirs takes directories this broker can create, read and write/m,
    );
    expect(await refused({ 'log.dir': '/proc/samsa-logs/deeper' })).toMatch(
      /^samsa broker: log\.dir: '\/proc\/samsa-logs\/deeper' cannot be used as a log directory/m,
    );
  });

  it('a log dir another storage.backend wrote', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-cli-'));
    try {
      const samsa = await import('../../src/index.js');
      const broker = await samsa.Broker.start(
        { 'broker.id': 0, listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir, 'storage.backend': 'level' },
        { log: () => {} },
      );
      await broker.logManager.getOrCreateLog('written', 0);
      await broker.stop();
      expect(await refused({ 'log.dirs': dir, 'storage.backend': 'file' })).toMatch(
        /^samsa broker: storage\.backend: the log dir .* holds logs written by storage\.backend=level \(a LevelDB database in each partition directory\), not file/m,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('a log dir in which no file can be created', async () => {
    // /proc/1 exists and is a directory, but takes no new files, for root too (a chmod would not stop root).
    expect(await refused({ 'log.dirs': '/proc/1' })).toMatch(
      /^samsa broker: log\.dirs: '\/proc\/1' cannot be used as a log directory: E[A-Z]+.*; log\.dirs takes directories/m,
    );
  });

  it('a bad value of a broker setting that is a topic default, named as typed', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'samsa-cli-'));
    try {
      expect(await refused({ 'log.dirs': dir, 'log.segment.bytes': '10' })).toMatch(/^samsa broker: log\.segment\.bytes: 10 is below the minimum 14$/m);
      expect(await refused({ 'log.dirs': dir, 'log.message.timestamp.type': 'Whenever' })).toMatch(
        /^samsa broker: log\.message\.timestamp\.type: 'Whenever' is not one of CreateTime, LogAppendTime$/m,
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the package entry', () => {
  it('exports the broker for in-process use', async () => {
    const samsa = await import('../../src/index.js');
    const dir = mkdtempSync(join(tmpdir(), 'samsa-entry-'));
    const broker = await samsa.Broker.start(new samsa.BrokerConfig({ 'broker.id': 3, listeners: 'PLAINTEXT://127.0.0.1:0', 'log.dirs': dir }), {
      log: () => {},
    });
    try {
      expect(broker.port).toBeGreaterThan(0);
      expect(broker.context.brokerId).toBe(3);
    } finally {
      await broker.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
