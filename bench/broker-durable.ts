// bench:broker's durable section (issue 19): a topic with flush.messages=1,
// where nothing is acknowledged before it is on disk, beside a topic without
// it on the same broker, on each backend. librdkafka produce of 100 B and
// 1 KiB records (acks=all) on both topics, and produce latency on the durable
// one at 1,000, 10,000 and 50,000 records/s. Measured in the same run as the
// limits: raw fdatasync/s (a 100 B write and an fdatasync each) and raw
// write+fdatasync MB/s (4 MiB writes, each synced). The disk's flushes per
// second during each case come from /proc/diskstats (the whole device: other
// programs' syncs count too), printed so a run shows it never asks the disk
// for more than it sustains.
import * as fs from 'node:fs';
import { join } from 'node:path';
import { Kafka, logLevel } from 'kafkajs';
import { median, runRdkafka } from './bench-clients.js';
import { startBrokerProcess } from './broker-process.js';

export interface DurableFigure {
  backend: string;
  case: string;
  recordSize: number;
  durable: boolean;
  recordsPerSec: number;
  p50Ms?: number;
  p99Ms?: number;
  /** Flush requests the disk completed per second while the case ran (Linux's /proc/diskstats). */
  deviceSyncsPerSec?: number;
  /**
   * MB the disk wrote per second meanwhile: the case's own bytes and whatever
   * else shares the disk (write-back, LevelDB's compactions, a deleted topic's
   * files), which durable flushes queue behind.
   */
  deviceWriteMBps?: number;
}

export interface DurableLimits {
  fdatasyncPerSec: number;
  writeSyncMBps: number;
}

export interface DurableBenchOptions {
  work: string;
  backends: readonly string[];
  /** Records per produce case, by record size. */
  count(size: number): number;
  rounds: number;
  latencySeconds: number;
  rates: readonly number[];
}

/** A 100 B write and an fdatasync, repeated for a second: how many syncs per second the disk does. */
export function rawFdatasyncPerSec(dir: string): number {
  const path = join(dir, 'raw-fdatasync');
  const fd = fs.openSync(path, 'w');
  const bytes = Buffer.alloc(100, 1);
  try {
    let n = 0;
    const t0 = process.hrtime.bigint();
    const end = t0 + 1_000_000_000n;
    let now = t0;
    while (now < end) {
      fs.writeSync(fd, bytes);
      fs.fdatasyncSync(fd);
      n++;
      now = process.hrtime.bigint();
    }
    return n / (Number(now - t0) / 1e9);
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path);
  }
}

/** 4 MiB writes, each followed by fdatasync, 256 MiB in all: the most a synced writer gets from this disk. */
export function rawWriteSyncMBps(dir: string): number {
  const path = join(dir, 'raw-write-sync');
  const fd = fs.openSync(path, 'w');
  const chunk = Buffer.alloc(4 << 20, 3);
  try {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < 64; i++) {
      fs.writeSync(fd, chunk);
      fs.fdatasyncSync(fd);
    }
    return (64 * chunk.length) / (Number(process.hrtime.bigint() - t0) / 1e9) / 1e6;
  } finally {
    fs.closeSync(fd);
    fs.rmSync(path);
  }
}

/** The block device holding `dir`, by the name /proc/diskstats uses; undefined when it cannot be told. */
function deviceOf(dir: string): string | undefined {
  try {
    const dev = fs.statSync(dir).dev;
    const major = Math.floor(dev / 256) & 0xfff;
    const minor = (dev & 0xff) | ((dev >> 12) & 0xfff00);
    const name = fs.readFileSync(`/sys/dev/block/${major}:${minor}/uevent`, 'utf8').match(/DEVNAME=(\S+)/)?.[1];
    // A partition's flushes are counted on its disk.
    if (name && fs.existsSync(`/sys/class/block/${name}/partition`)) return fs.readlinkSync(`/sys/class/block/${name}`).split('/').at(-2);
    return name;
  } catch {
    return undefined;
  }
}

/**
 * `device`'s counters so far from its /proc/diskstats line: flush requests
 * completed (the 16th figure, Linux 5.5 and later) and bytes written (the 7th,
 * in 512-byte sectors); undefined without them.
 */
function deviceCounters(device: string | undefined): { flushes: number; writtenBytes: number } | undefined {
  if (!device) return undefined;
  const line = fs
    .readFileSync('/proc/diskstats', 'utf8')
    .split('\n')
    .map((l) => l.trim().split(/\s+/))
    .find((f) => f[2] === device);
  return line && line.length >= 20 ? { flushes: Number(line[18]), writtenBytes: Number(line[9]) * 512 } : undefined;
}

export async function measureDurable(bin: string, options: DurableBenchOptions, report: (figure: DurableFigure) => void): Promise<void> {
  const device = deviceOf(options.work);
  /** Runs `body`, giving it the disk's flushes and written MB per second meanwhile. */
  const counted = <T>(body: () => T): { result: T; syncsPerSec?: number; writeMBps?: number } => {
    const before = deviceCounters(device);
    const t0 = process.hrtime.bigint();
    const result = body();
    const after = deviceCounters(device);
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    if (before === undefined || after === undefined) return { result };
    return { result, syncsPerSec: (after.flushes - before.flushes) / seconds, writeMBps: (after.writtenBytes - before.writtenBytes) / seconds / 1e6 };
  };
  for (const backend of options.backends) {
    const broker = await startBrokerProcess(join(options.work, `durable-${backend}`), { 'storage.backend': backend });
    const kafka = new Kafka({ clientId: 'samsa-bench-durable', brokers: [broker.bootstrap], logLevel: logLevel.NOTHING });
    const admin = kafka.admin();
    await admin.connect();
    let topicNumber = 0;
    const newTopic = async (durable: boolean): Promise<string> => {
      const topic = `durable-bench-${backend}-${++topicNumber}`;
      await admin.createTopics({ topics: [{ topic, numPartitions: 1, configEntries: durable ? [{ name: 'flush.messages', value: '1' }] : [] }] });
      return topic;
    };
    try {
      for (const size of [100, 1024]) {
        // Durable and not in turns, so both pay the same for the machine's state.
        const rates = new Map<boolean, number[]>([
          [true, []],
          [false, []],
        ]);
        const syncs = new Map<boolean, number[]>([
          [true, []],
          [false, []],
        ]);
        const writes = new Map<boolean, number[]>([
          [true, []],
          [false, []],
        ]);
        for (let round = 0; round < options.rounds; round++) {
          for (const durable of [false, true]) {
            const topic = await newTopic(durable);
            const {
              result: p,
              syncsPerSec,
              writeMBps,
            } = counted(() => runRdkafka(bin, ['produce', broker.bootstrap, topic, '1', String(options.count(size)), String(size), 'all']));
            if (p.failed) throw new Error(`${p.failed} records failed`);
            rates.get(durable)!.push(p.records! / p.seconds!);
            if (syncsPerSec !== undefined) syncs.get(durable)!.push(syncsPerSec);
            if (writeMBps !== undefined) writes.get(durable)!.push(writeMBps);
            await admin.deleteTopics({ topics: [topic] });
          }
        }
        for (const durable of [false, true]) {
          const s = syncs.get(durable)!;
          const w = writes.get(durable)!;
          report({
            backend,
            case: 'produce',
            recordSize: size,
            durable,
            recordsPerSec: median(rates.get(durable)!),
            deviceSyncsPerSec: s.length > 0 ? median(s) : undefined,
            deviceWriteMBps: w.length > 0 ? median(w) : undefined,
          });
        }
      }
      for (const rate of options.rates) {
        const topic = await newTopic(true);
        const {
          result: l,
          syncsPerSec,
          writeMBps,
        } = counted(() => runRdkafka(bin, ['latency', broker.bootstrap, topic, String(rate), String(options.latencySeconds), '100', 'all']));
        report({
          backend,
          case: `latency@${rate / 1000}k/s`,
          recordSize: 100,
          durable: true,
          recordsPerSec: l.records! / l.seconds!,
          p50Ms: l.p50,
          p99Ms: l.p99,
          deviceSyncsPerSec: syncsPerSec,
          deviceWriteMBps: writeMBps,
        });
        await admin.deleteTopics({ topics: [topic] });
      }
    } finally {
      await admin.disconnect();
      await broker.stop();
    }
  }
}

/** Issue 19's targets against one backend's figures of the same run. */
export function durableTargets(figures: readonly DurableFigure[], limits: DurableLimits): Array<{ what: string; met: boolean }> {
  const out: Array<{ what: string; met: boolean }> = [];
  for (const backend of new Set(figures.map((f) => f.backend))) {
    const of = (c: string, size: number, durable: boolean) =>
      figures.find((f) => f.backend === backend && f.case === c && f.recordSize === size && f.durable === durable);
    const at10k = of('latency@10k/s', 100, true);
    if (at10k?.p99Ms !== undefined)
      out.push({ what: `${backend}: durable p99 at 10,000 records/s ${at10k.p99Ms.toFixed(2)} ms (target ≤ 5 ms)`, met: at10k.p99Ms <= 5 });
    const durable = of('produce', 1024, true);
    const plain = of('produce', 1024, false);
    if (durable && plain) {
      const ratio = durable.recordsPerSec / plain.recordsPerSec;
      out.push({
        what: `${backend}: durable 1 KiB produce ${Math.round(durable.recordsPerSec)} records/s = ${(ratio * 100).toFixed(0)}% of non-durable ${Math.round(plain.recordsPerSec)} (target ≥ 50%)`,
        met: ratio >= 0.5,
      });
    }
    const most = Math.max(...figures.filter((f) => f.backend === backend && f.durable).map((f) => f.deviceSyncsPerSec ?? 0));
    out.push({
      what: `${backend}: at most ${Math.round(most)} disk flushes/s during durable cases (raw fdatasync limit ${Math.round(limits.fdatasyncPerSec)}/s)`,
      met: most <= limits.fdatasyncPerSec * 1.1,
    });
  }
  return out;
}
