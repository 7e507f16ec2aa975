// `samsa dump-log <segment.log | .snapshot | .txnindex | partition dir> [--print-data-log]`:
// prints a segment's batches (and with --print-data-log its records), a
// producer snapshot's entries or a transaction index's aborted transactions,
// the way Kafka's kafka-dump-log.sh does, for looking at what is on disk.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { codecFor } from '../../codecs/index.js';
import { createBackend } from '../../storage/backend/index.js';
import { LEVEL_DATABASE } from '../../storage/backend/level-backend.js';
import { parseLogFileName, parseSegmentFileName, parseSnapshotFileName, TXN_INDEX_SUFFIX } from '../../storage/log/log-file-names.js';
import { decodeProducerSnapshot, type ProducerSnapshotEntry } from '../../storage/log/producer-snapshot.js';
import { ABORTED_TXN_BYTES, decodeAbortedTxns } from '../../storage/log/transaction-index.js';
import { decodeRecords } from '../../storage/record/record.js';
import { TimestampType } from '../../storage/record/record-batch-layout.js';
import { type BatchScan, scanBatches } from '../../storage/record/record-batch-scan.js';
import type { RecordBatchView } from '../../storage/record/record-batch-view.js';
import { decrementSequence } from '../../storage/record/sequence.js';

export function describeSegment(name: string, bytes: Buffer, printData: boolean, print: (line: string) => void): void {
  print(`Dumping ${name}`);
  print(`Log starting offset: ${parseLogFileName(name) ?? 'unknown'}`);
  let scan: BatchScan;
  try {
    scan = scanBatches(bytes);
  } catch (error) {
    print(`Found corrupt data at position 0: ${(error as Error).message}`);
    return;
  }
  for (const batch of scan.batches) {
    const valid = batch.isValidCrc();
    print(
      `baseOffset: ${batch.baseOffset} lastOffset: ${batch.lastOffset} count: ${batch.recordCount} ` +
        `baseSequence: ${batch.baseSequence} lastSequence: ${batch.lastSequence} ` +
        `producerId: ${batch.producerId} producerEpoch: ${batch.producerEpoch} partitionLeaderEpoch: ${batch.partitionLeaderEpoch} ` +
        `isTransactional: ${batch.isTransactional} isControl: ${batch.isControl} position: ${batch.start} ` +
        `${timestampLabel(batch)}: ${batch.maxTimestamp} size: ${batch.sizeInBytes} magic: ${batch.magic} ` +
        `compresscodec: ${codecFor(batch.compression).name} crc: ${batch.crc} isvalid: ${valid}`,
    );
    if (!printData || !valid) continue;
    try {
      for (const r of decodeRecords(batch)) {
        const headers = r.headers.map((h) => h.key).join(',');
        print(
          `| offset: ${r.offset} ${timestampLabel(batch)}: ${r.timestamp} keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1} ` +
            `headerKeys: [${headers}] key: ${r.key?.toString('utf8') ?? 'null'} payload: ${r.value?.toString('utf8') ?? 'null'}`,
        );
      }
    } catch (error) {
      print(`| records could not be decoded: ${(error as Error).message}`);
    }
  }
  if (scan.partialBytes > 0) print(`Found ${scan.partialBytes} bytes of a partial batch at position ${scan.end}`);
}

/** A `.snapshot` file: one line per producer, its epoch and last batch. */
export function describeSnapshot(name: string, bytes: Buffer, print: (line: string) => void): void {
  print(`Dumping ${name}`);
  let entries: ProducerSnapshotEntry[];
  try {
    entries = decodeProducerSnapshot(bytes, name);
  } catch (error) {
    print(`Found corrupt data: ${(error as Error).message}`);
    return;
  }
  for (const e of entries) {
    print(
      `producerId: ${e.producerId} producerEpoch: ${e.epoch} coordinatorEpoch: ${e.coordinatorEpoch} ` +
        `currentTxnFirstOffset: ${e.currentTxnFirstOffset < 0 ? 'None' : e.currentTxnFirstOffset} lastTimestamp: ${e.timestamp} ` +
        `firstSequence: ${decrementSequence(e.lastSequence, e.offsetDelta)} lastSequence: ${e.lastSequence} lastOffset: ${e.lastOffset} offsetDelta: ${e.offsetDelta}`,
    );
  }
}

/** A `.txnindex` file: one line per aborted transaction, as Kafka's dumpTxnIndex prints it. */
export function describeTxnIndex(name: string, bytes: Buffer, print: (line: string) => void): void {
  print(`Dumping ${name}`);
  let entries: ReturnType<typeof decodeAbortedTxns>;
  try {
    entries = decodeAbortedTxns(bytes, name);
  } catch (error) {
    print(`Found corrupt data: ${(error as Error).message}`);
    return;
  }
  for (const [i, e] of entries.entries()) {
    print(
      `version: ${bytes.readInt16BE(i * ABORTED_TXN_BYTES)} producerId: ${e.producerId} firstOffset: ${e.firstOffset} lastOffset: ${e.lastOffset} lastStableOffset: ${e.lastStableOffset}`,
    );
  }
}

const isTxnIndex = (name: string) => {
  const file = parseSegmentFileName(name);
  return file?.kind === TXN_INDEX_SUFFIX && file.suffix === '';
};

function describeFile(name: string, bytes: Buffer, printData: boolean, print: (line: string) => void): void {
  if (parseSnapshotFileName(name) !== undefined) describeSnapshot(name, bytes, print);
  else if (isTxnIndex(name)) describeTxnIndex(name, bytes, print);
  else describeSegment(name, bytes, printData, print);
}

const dumped = (name: string) => parseLogFileName(name) !== undefined || parseSnapshotFileName(name) !== undefined || isTxnIndex(name);

function timestampLabel(batch: RecordBatchView): string {
  return batch.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
}

export async function dumpLog(args: string[], print: (line: string) => void = console.log): Promise<number> {
  const printData = args.includes('--print-data-log');
  const paths = args.filter((a) => !a.startsWith('--'));
  if (paths.length === 0) {
    console.error('usage: samsa dump-log <segment.log | .snapshot | .txnindex | partition directory> … [--print-data-log]');
    return 2;
  }
  for (const path of paths) {
    if (!existsSync(path)) {
      console.error(`samsa dump-log: ${path} does not exist`);
      return 1;
    }
    if (statSync(path).isFile()) {
      describeFile(basename(path), readFileSync(path), printData, print);
    } else if (existsSync(join(path, LEVEL_DATABASE))) {
      const dir = await createBackend('level').openDirectory(path);
      try {
        for (const name of (await dir.list()).filter(dumped)) describeFile(name, await dir.readAll(name), printData, print);
      } finally {
        await dir.close();
      }
    } else {
      for (const name of readdirSync(path).filter(dumped).sort()) describeFile(name, readFileSync(join(path, name)), printData, print);
    }
  }
  return 0;
}
