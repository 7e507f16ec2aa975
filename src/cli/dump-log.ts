// `samsa dump-log <segment.log | partition dir> [--print-data-log]`: prints a
// segment's batches (and with --print-data-log its records) the way Kafka's
// kafka-dump-log.sh does, for looking at what is on disk.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { codecFor } from '../../codecs/index.js';
import { createBackend } from '../../storage/backend/index.js';
import { LEVEL_DATABASE } from '../../storage/backend/level-backend.js';
import { parseLogFileName } from '../../storage/log/log-file-names.js';
import { TimestampType } from '../../storage/record/record-batch-layout.js';
import { scanBatches } from '../../storage/record/record-batch-scan.js';
import type { RecordBatchView } from '../../storage/record/record-batch-view.js';
import { decodeRecords } from '../../storage/record/record.js';

export function describeSegment(name: string, bytes: Buffer, printData: boolean, print: (line: string) => void): void {
  print(`Dumping ${name}`);
  print(`Log starting offset: ${parseLogFileName(name) ?? 'unknown'}`);
  let scan;
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
        `baseSequence: ${batch.baseSequence} lastSequence: ${batch.baseSequence < 0 ? -1 : batch.baseSequence + batch.lastOffsetDelta} ` +
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

function timestampLabel(batch: RecordBatchView): string {
  return batch.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
}

export async function dumpLog(args: string[], print: (line: string) => void = console.log): Promise<number> {
  const printData = args.includes('--print-data-log');
  const paths = args.filter((a) => !a.startsWith('--'));
  if (paths.length === 0) {
    console.error('usage: samsa dump-log <segment.log | partition directory> … [--print-data-log]');
    return 2;
  }
  for (const path of paths) {
    if (!existsSync(path)) {
      console.error(`samsa dump-log: ${path} does not exist`);
      return 1;
    }
    if (statSync(path).isFile()) {
      describeSegment(basename(path), readFileSync(path), printData, print);
    } else if (existsSync(join(path, LEVEL_DATABASE))) {
      const dir = await createBackend('level').openDirectory(path);
      try {
        for (const name of (await dir.list()).filter((n) => parseLogFileName(n) !== undefined)) describeSegment(name, await dir.readAll(name), printData, print);
      } finally {
        await dir.close();
      }
    } else {
      for (const name of readdirSync(path).filter((n) => parseLogFileName(n) !== undefined).sort()) {
        describeSegment(name, readFileSync(join(path, name)), printData, print);
      }
    }
  }
  return 0;
}
