// The checks at the end of `npm run chaos`: the replicas' logs read from the
// stopped brokers' log dirs, compared byte for byte, and the acknowledged and
// consumed records looked up in them.
import { LogManager } from '../storage/log/log-manager.js';
import { decodeRecords } from '../storage/record/record.js';
import { scanBatches } from '../storage/record/record-batch-scan.js';

/** A record the producer had acknowledged: its partition and sequence number, at the offset the acknowledgement named. */
export interface Acked {
  partition: number;
  seq: number;
  offset: number;
  sentMs: number;
  ackedMs: number;
}

/** A record the read_committed consumer returned. */
export interface Consumed {
  partition: number;
  offset: number;
  value: string;
}

/** One replica of a partition: every stored batch from its log start to its log end, as stored. */
export interface ReplicaLog {
  brokerId: number;
  logStartOffset: number;
  logEndOffset: number;
  bytes: Buffer;
}

/**
 * Opens a stopped broker's log dir with the storage engine (no cleaner, no
 * retention) and reads each partition of `topic` whole; a partition the
 * broker does not hold is undefined.
 */
export async function readReplicaLogs(
  brokerId: number,
  logDir: string,
  backend: string,
  topic: string,
  partitions: number,
): Promise<Array<ReplicaLog | undefined>> {
  const manager = await LogManager.open({
    logDirs: [logDir],
    defaults: { 'storage.backend': backend },
    retentionCheckIntervalMs: 0,
    cleanerEnable: false,
    warn: () => {},
  });
  try {
    const out: Array<ReplicaLog | undefined> = [];
    for (let p = 0; p < partitions; p++) {
      const log = manager.getLog(topic, p);
      if (!log) {
        out.push(undefined);
        continue;
      }
      const chunks: Buffer[] = [];
      let offset = log.logStartOffset;
      while (offset < log.logEndOffset) {
        const read = await log.read(offset, 1 << 20);
        try {
          const scan = scanBatches(read.bytes);
          if (scan.batches.length === 0)
            throw new Error(`broker ${brokerId}: ${topic}-${p} has no whole batch at offset ${offset} (log end ${log.logEndOffset})`);
          chunks.push(Buffer.from(read.bytes.subarray(0, scan.end))); // a copy: the read's bytes go back to the pool
          offset = scan.batches[scan.batches.length - 1]!.lastOffset + 1;
        } finally {
          read.release();
        }
      }
      out.push({ brokerId, logStartOffset: log.logStartOffset, logEndOffset: log.logEndOffset, bytes: Buffer.concat(chunks) });
    }
    return out;
  } finally {
    await manager.close();
  }
}

/** Where two replicas of a partition first differ: the offset of the first batch that is not the same bytes. */
export function firstDifference(a: ReplicaLog, b: ReplicaLog): string | undefined {
  if (a.logStartOffset === b.logStartOffset && a.bytes.equals(b.bytes)) return undefined;
  if (a.logStartOffset !== b.logStartOffset) return `log start ${a.logStartOffset} on broker ${a.brokerId}, ${b.logStartOffset} on broker ${b.brokerId}`;
  const x = scanBatches(a.bytes).batches;
  const y = scanBatches(b.bytes).batches;
  for (let i = 0; i < Math.min(x.length, y.length); i++) {
    if (!x[i]!.bytes.equals(y[i]!.bytes))
      return `batch at offset ${x[i]!.baseOffset} (broker ${a.brokerId}) / ${y[i]!.baseOffset} (broker ${b.brokerId}) differs`;
  }
  const longer = x.length > y.length ? a : b;
  const shorter = longer === a ? b : a;
  return `broker ${longer.brokerId} has batches past broker ${shorter.brokerId}'s log end ${shorter.logEndOffset} (to ${longer.logEndOffset})`;
}

/** The records of a partition's log: offset → value as text. */
export function recordsByOffset(log: ReplicaLog): Map<number, string> {
  const out = new Map<number, string>();
  for (const batch of scanBatches(log.bytes).batches) {
    for (const r of decodeRecords(batch)) out.set(r.offset, r.value ? sequenceText(r.value) : '');
  }
  return out;
}

/** A chaos record's value is its sequence number padded with '.'. */
export function sequenceText(value: Buffer): string {
  const dot = value.indexOf(0x2e);
  return value.subarray(0, dot < 0 ? value.length : dot).toString('latin1');
}

export interface Verdict {
  acknowledged: number;
  /** Acknowledged records absent from the log. */
  lost: Acked[];
  /** Acknowledged records in the log at another offset than acknowledged (and not at theirs). */
  misplaced: Array<Acked & { foundAt: number[] }>;
  /** Acknowledged records present more than once. */
  duplicated: Array<Acked & { foundAt: number[] }>;
  /** Records the consumer returned that the log does not hold at that offset (committed data lost or rewritten). */
  consumedLost: Consumed[];
  /** Offsets the consumer returned twice, or skipped. */
  consumerRepeats: number;
  consumerGaps: number;
  /** Records in the log never acknowledged (sent, then the producer was stopped or the request's answer lost). */
  unacknowledgedInLog: number;
}

/** Checks every acknowledged and consumed record against the final log of its partition. */
export function verify(acks: readonly Acked[], consumed: readonly Consumed[], logs: ReadonlyArray<Map<number, string>>): Verdict {
  // Where each sequence number sits, per partition.
  const positions = logs.map((records) => {
    const at = new Map<string, number[]>();
    for (const [offset, value] of records) {
      const list = at.get(value);
      if (list) list.push(offset);
      else at.set(value, [offset]);
    }
    return at;
  });
  const verdict: Verdict = {
    acknowledged: acks.length,
    lost: [],
    misplaced: [],
    duplicated: [],
    consumedLost: [],
    consumerRepeats: 0,
    consumerGaps: 0,
    unacknowledgedInLog: 0,
  };
  const ackedSeqs = logs.map(() => new Set<string>());
  for (const a of acks) {
    const seq = String(a.seq);
    ackedSeqs[a.partition]!.add(seq);
    const foundAt = positions[a.partition]?.get(seq) ?? [];
    if (foundAt.length === 0) verdict.lost.push(a);
    else if (!foundAt.includes(a.offset)) verdict.misplaced.push({ ...a, foundAt });
    if (foundAt.length > 1) verdict.duplicated.push({ ...a, foundAt });
  }
  for (let p = 0; p < logs.length; p++) {
    for (const value of logs[p]!.values()) if (!ackedSeqs[p]!.has(value)) verdict.unacknowledgedInLog++;
  }
  const next = logs.map(() => -1);
  for (const c of consumed) {
    if (logs[c.partition]?.get(c.offset) !== c.value) verdict.consumedLost.push(c);
    const expected = next[c.partition]!;
    if (expected >= 0 && c.offset < expected) verdict.consumerRepeats++;
    else if (expected >= 0 && c.offset > expected) verdict.consumerGaps++;
    next[c.partition] = Math.max(expected, c.offset + 1);
  }
  return verdict;
}

/** The longest stretch in which a partition acknowledged nothing while the producer was sending to it: from one acknowledgement to the next, or to when sending stopped. */
export function longestUnavailability(acks: readonly Acked[], partitions: number, from: number, until: number): Array<{ ms: number; startMs: number }> {
  const out: Array<{ ms: number; startMs: number }> = [];
  for (let p = 0; p < partitions; p++) {
    const times = acks
      .filter((a) => a.partition === p && a.ackedMs >= from)
      .map((a) => a.ackedMs)
      .sort((x, y) => x - y);
    let longest = { ms: 0, startMs: from };
    let previous = from;
    for (const t of [...times, until]) {
      if (t - previous > longest.ms) longest = { ms: t - previous, startMs: previous };
      previous = Math.max(previous, t);
    }
    out.push(longest);
  }
  return out;
}
