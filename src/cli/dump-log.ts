// `samsa dump-log`: kafka-dump-log.sh for samsa — prints what is on disk as
// Kafka's DumpLogSegments does: a segment's batches (with --deep-iteration or
// --print-data-log its records), an `.index` or `.timeindex` checked against
// its segment, a producer `.snapshot`, a `.txnindex`. Files come from
// --files (Kafka's) or as arguments, and a partition directory (on any
// backend) stands for every file in it.
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { codecFor } from '../../codecs/index.js';
import { createBackend } from '../../storage/backend/index.js';
import { LEVEL_DATABASE } from '../../storage/backend/level-backend.js';
import {
  INDEX_SUFFIX,
  LOG_SUFFIX,
  parseSegmentFileName,
  parseSnapshotFileName,
  TIME_INDEX_SUFFIX,
  TXN_INDEX_SUFFIX,
} from '../../storage/log/log-file-names.js';
import { decodeProducerSnapshot, type ProducerSnapshotEntry } from '../../storage/log/producer-snapshot.js';
import { ABORTED_TXN_BYTES, decodeAbortedTxns } from '../../storage/log/transaction-index.js';
import { ControlRecordType, readControlRecordType, readEndTransactionMarker } from '../../storage/record/control-record.js';
import { decodeRecords } from '../../storage/record/record.js';
import { TimestampType } from '../../storage/record/record-batch-layout.js';
import { type BatchScan, scanBatches } from '../../storage/record/record-batch-scan.js';
import type { RecordBatchView } from '../../storage/record/record-batch-view.js';
import { decrementSequence, incrementSequence } from '../../storage/record/sequence.js';
import { HelpRequested, OptionParser, type ParsedOptions, parseCommandLine, UsageError } from './command-options.js';
import { offsetsDecoder, type RecordDecoder, transactionLogDecoder } from './dump-log-decoders.js';
import { CorruptIndexError, dumpOffsetIndex, dumpTimeIndex, IndexProblems } from './dump-log-index.js';

const PARSER = new OptionParser([
  { name: 'deep-iteration', arg: 'none', doc: 'if set, uses deep instead of shallow iteration. Automatically set if print-data-log is enabled.' },
  {
    name: 'files',
    arg: 'required',
    argLabel: 'String: file1, file2, ...',
    doc: 'REQUIRED: The comma separated list of data and index log files to be dumped. (samsa also takes them, and partition directories, as arguments.)',
  },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  {
    name: 'index-sanity-check',
    arg: 'none',
    doc: 'if set, just checks the index sanity without printing its content. This is the same check that is executed on broker startup to determine if an index needs rebuilding or not.',
  },
  {
    name: 'max-bytes',
    arg: 'required',
    argLabel: 'Integer: size',
    type: 'int',
    doc: 'Limit the amount of total batches read in bytes avoiding reading the whole .log file(s). (default: 2147483647)',
  },
  { name: 'max-message-size', arg: 'required', argLabel: 'Integer: size', type: 'int', doc: 'Size of largest message. (default: 5242880)' },
  { name: 'offsets-decoder', arg: 'none', doc: 'if set, log data will be parsed as offset data from the __consumer_offsets topic.' },
  {
    name: 'print-data-log',
    arg: 'none',
    doc: 'if set, printing the messages content when dumping data logs. Automatically set if any decoder option is specified.',
  },
  { name: 'skip-record-metadata', arg: 'none', doc: 'whether to skip printing metadata for each record.' },
  { name: 'transaction-log-decoder', arg: 'none', doc: 'if set, log data will be parsed as transaction metadata from the __transaction_state topic.' },
  { name: 'verify-index-only', arg: 'none', doc: 'if set, just verify the index log without printing its content.' },
]);

const DESCRIPTION = 'This tool helps to parse a log file and dump its contents to the console, useful for debugging a seemingly corrupt log segment.';
const MAX_INT = 2 ** 31 - 1;

interface DumpOptions {
  readonly printData: boolean;
  /** How keys and payloads are printed: as UTF-8 text, or decoded as __consumer_offsets' or __transaction_state's records. */
  readonly decoder: RecordDecoder | null;
  readonly deep: boolean;
  readonly skipRecordMetadata: boolean;
  readonly maxBytes: number;
  readonly index: { sanityOnly: boolean; verifyOnly: boolean; maxMessageSize: number };
}

/** Where a file's bytes and its segment's other files come from: the file system, or a LevelDB partition directory. */
interface FileSource {
  read(name: string): Promise<Buffer | undefined>;
}

/** A file that is not one of the log's (Kafka ignores it with a line on stderr; samsa also fails the command). */
class UnknownFileError extends Error {}

function timestampLabel(batch: RecordBatchView): string {
  return batch.timestampType === TimestampType.LogAppendTime ? 'LogAppendTime' : 'CreateTime';
}

/** Kafka's printBatchLevel. */
function batchLine(batch: RecordBatchView, position: number): string {
  return (
    `baseOffset: ${batch.baseOffset} lastOffset: ${batch.lastOffset} count: ${batch.recordCount} ` +
    `baseSequence: ${batch.baseSequence} lastSequence: ${batch.lastSequence} ` +
    `producerId: ${batch.producerId} producerEpoch: ${batch.producerEpoch} partitionLeaderEpoch: ${batch.partitionLeaderEpoch} ` +
    `isTransactional: ${batch.isTransactional} isControl: ${batch.isControl} ` +
    `deleteHorizonMs: ${batch.hasDeleteHorizonMs ? `OptionalLong[${batch.deleteHorizonMs}]` : 'OptionalLong.empty'} position: ${position} ` +
    `${timestampLabel(batch)}: ${batch.maxTimestamp} size: ${batch.sizeInBytes} magic: ${batch.magic} ` +
    `compresscodec: ${codecFor(batch.compression).name} crc: ${batch.crc >>> 0} isvalid: ${batch.isValidCrc()}`
  );
}

/** Kafka's dumpBatchRecords: a line per record, its metadata and (with --print-data-log) its key and payload. */
function recordLines(batch: RecordBatchView, options: DumpOptions, print: (line: string) => void): void {
  for (const [delta, r] of [...decodeRecords(batch, { verifyCrc: false })].entries()) {
    let line = '';
    if (!options.skipRecordMetadata) {
      const sequence = batch.baseSequence < 0 ? -1 : incrementSequence(batch.baseSequence, delta);
      line += `| offset: ${r.offset} ${timestampLabel(batch)}: ${r.timestamp} keySize: ${r.key?.length ?? -1} valueSize: ${r.value?.length ?? -1}`;
      line += ` sequence: ${sequence} headerKeys: [${r.headers.map((h) => h.key).join(',')}]`;
      if (batch.isControl) line += controlRecord(r);
    }
    if (options.printData && !batch.isControl) {
      let prefix = options.skipRecordMetadata ? '| ' : ' ';
      const decoded = options.decoder ? options.decoder(r) : { key: r.key?.toString('utf8') ?? null, payload: r.value?.toString('utf8') ?? null };
      if (decoded.key !== null) {
        line += `${prefix}key: ${decoded.key}`;
        prefix = ' ';
      }
      if (decoded.payload !== null) line += `${prefix}payload: ${decoded.payload}`;
    }
    print(line);
  }
}

function controlRecord(r: { key: Buffer | null; value: Buffer | null }): string {
  const type = readControlRecordType(r.key);
  if (type === ControlRecordType.Abort || type === ControlRecordType.Commit) {
    const marker = readEndTransactionMarker(r);
    return ` endTxnMarker: ${type === ControlRecordType.Abort ? 'ABORT' : 'COMMIT'} coordinatorEpoch: ${marker.coordinatorEpoch}`;
  }
  return ` controlType: UNKNOWN(${type})`;
}

/** A segment: its batches (Kafka's dumpLog). Returns false when not one batch could be read: the file is not a segment. */
function describeSegment(path: string, bytes: Buffer, options: DumpOptions, print: (line: string) => void): boolean {
  print(`Log starting offset: ${parseSegmentFileName(basename(path))!.baseOffset}`);
  const limited = bytes.subarray(0, Math.min(bytes.length, options.maxBytes));
  let scan: BatchScan;
  try {
    scan = scanBatches(limited);
  } catch (error) {
    throw new Error(`Found corrupt data at position 0 of ${path}: ${(error as Error).message}`);
  }
  for (const batch of scan.batches) {
    print(batchLine(batch, batch.start));
    if (!options.deep) continue;
    if (!batch.isValidCrc()) continue;
    try {
      recordLines(batch, options, print);
    } catch (error) {
      print(`| records could not be decoded: ${(error as Error).message}`);
    }
  }
  if (scan.partialBytes > 0 && options.maxBytes === MAX_INT) print(`Found ${scan.partialBytes} invalid bytes at the end of ${basename(path)}`);
  return bytes.length === 0 || scan.batches.length > 0;
}

/** A `.snapshot` file: one line per producer, its epoch and last batch. */
function describeSnapshot(path: string, bytes: Buffer, print: (line: string) => void): void {
  let entries: ProducerSnapshotEntry[];
  try {
    entries = decodeProducerSnapshot(bytes, basename(path));
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
function describeTxnIndex(path: string, bytes: Buffer, print: (line: string) => void): void {
  let entries: ReturnType<typeof decodeAbortedTxns>;
  try {
    entries = decodeAbortedTxns(bytes, basename(path));
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

/** The kinds of file kafka-dump-log reads, by suffix. */
function kindOf(name: string): 'log' | 'index' | 'timeindex' | 'txnindex' | 'snapshot' | null {
  if (parseSnapshotFileName(name) !== undefined) return 'snapshot';
  const file = parseSegmentFileName(name);
  if (file?.suffix !== '') return null;
  switch (file.kind) {
    case LOG_SUFFIX:
      return 'log';
    case INDEX_SUFFIX:
      return 'index';
    case TIME_INDEX_SUFFIX:
      return 'timeindex';
    case TXN_INDEX_SUFFIX:
      return 'txnindex';
    default:
      return null;
  }
}

async function dumpFile(
  path: string,
  source: FileSource,
  options: DumpOptions,
  problems: IndexProblems,
  print: (line: string) => void,
  err: (line: string) => void,
): Promise<void> {
  const name = basename(path);
  const kind = kindOf(name);
  if (kind === null) {
    err(`Ignoring unknown file ${path}`);
    throw new UnknownFileError(`${path} is not a log segment, index, time index, transaction index or producer snapshot`);
  }
  print(`Dumping ${path}`);
  const bytes = (await source.read(name))!;
  if (kind === 'snapshot') return describeSnapshot(path, bytes, print);
  if (kind === 'txnindex') return describeTxnIndex(path, bytes, print);
  if (kind === 'log') {
    if (!describeSegment(path, bytes, options, print)) throw new UnknownFileError(`${path} holds no record batch: it is not a log segment`);
    return;
  }
  const baseOffset = parseSegmentFileName(name)!.baseOffset;
  const stem = name.slice(0, name.indexOf('.'));
  const log = (await source.read(`${stem}${LOG_SUFFIX}`)) ?? Buffer.alloc(0);
  if (kind === 'index') dumpOffsetIndex(path, bytes, baseOffset, log, options.index, problems, print);
  else dumpTimeIndex(path, bytes, baseOffset, log, (await source.read(`${stem}${INDEX_SUFFIX}`)) ?? Buffer.alloc(0), options.index, problems, print);
}

function fileSource(dir: string): FileSource {
  return {
    async read(name) {
      const path = join(dir, name);
      return existsSync(path) ? readFileSync(path) : undefined;
    },
  };
}

/** The paths named: --files (comma-separated) and the arguments that are not options or their values. */
function splitArgs(args: readonly string[]): { optionArgs: string[]; paths: string[] } {
  const optionArgs: string[] = [];
  const paths: string[] = [];
  const takesValue = new Set(PARSER.specs.filter((s) => s.arg === 'required').map((s) => s.name));
  for (let i = 0; i < args.length; i++) {
    const word = args[i]!;
    if (!word.startsWith('-')) {
      paths.push(word);
      continue;
    }
    optionArgs.push(word);
    const name = word.replace(/^--?/, '');
    if (!name.includes('=') && takesValue.has(name) && i + 1 < args.length) optionArgs.push(args[++i]!);
  }
  return { optionArgs, paths };
}

function checkArgs(args: readonly string[], options: ParsedOptions, paths: readonly string[]): void {
  if (args.length === 0 || options.has('help')) throw new HelpRequested(DESCRIPTION);
  if (!options.has('files') && paths.length === 0) throw new UsageError('Missing required argument "[files]"');
  if (options.has('offsets-decoder') && options.has('transaction-log-decoder')) {
    throw new UsageError('Option "[offsets-decoder]" can\'t be used with option "[transaction-log-decoder]"');
  }
}

export async function dumpLog(args: string[], print: (line: string) => void = console.log, err: (line: string) => void = console.error): Promise<number> {
  const { optionArgs, paths } = splitArgs(args);
  const parsed = parseCommandLine(
    PARSER,
    optionArgs,
    (o) => checkArgs(args, o, paths),
    (text) => err(text.trimEnd()),
  );
  if (typeof parsed === 'number') return parsed;
  const decoder = parsed.has('offsets-decoder') ? offsetsDecoder : parsed.has('transaction-log-decoder') ? transactionLogDecoder : null;
  const printData = parsed.has('print-data-log') || decoder !== null;
  const options: DumpOptions = {
    printData,
    decoder,
    deep: printData || parsed.has('deep-iteration'),
    skipRecordMetadata: parsed.has('skip-record-metadata'),
    maxBytes: parsed.longValueOf('max-bytes') ?? MAX_INT,
    index: {
      sanityOnly: parsed.has('index-sanity-check'),
      verifyOnly: parsed.has('verify-index-only'),
      maxMessageSize: parsed.longValueOf('max-message-size') ?? 5 * 1024 * 1024,
    },
  };
  const problems = new IndexProblems();
  const all = [...parsed.valuesOf('files').flatMap((f) => f.split(',')), ...paths];
  try {
    for (const path of all) {
      if (!existsSync(path)) throw new Error(`${path} does not exist`);
      if (statSync(path).isFile()) {
        await dumpFile(path, fileSource(dirname(path)), options, problems, print, err);
      } else if (existsSync(join(path, LEVEL_DATABASE))) {
        const dir = await createBackend('level').openDirectory(path);
        try {
          const source: FileSource = { read: async (name) => ((await dir.list()).includes(name) ? dir.readAll(name) : undefined) };
          for (const name of (await dir.list()).filter((n) => kindOf(n) !== null).sort())
            await dumpFile(join(path, name), source, options, problems, print, err);
        } finally {
          await dir.close();
        }
      } else {
        for (const name of readdirSync(path)
          .filter((n) => kindOf(n) !== null)
          .sort())
          await dumpFile(join(path, name), fileSource(path), options, problems, print, err);
      }
    }
  } catch (error) {
    if (!(error instanceof UnknownFileError || error instanceof CorruptIndexError)) {
      err(`samsa dump-log: ${(error as Error).message}`);
      return 1;
    }
    err((error as Error).message);
    problems.print(err);
    return 1;
  }
  problems.print(err);
  return 0;
}
