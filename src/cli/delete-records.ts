// `samsa delete-records`: kafka-delete-records.sh for samsa — deletes the
// records of the partitions an offset JSON file names, before each offset,
// on Admin's deleteRecords, printing each partition's new low watermark.
import { readFileSync } from 'node:fs';
import { type CommandOutput, checkRequired, HelpRequested, OptionParser, type ParsedOptions, parseCommandLine, stdio } from './command-options.js';
import { javaHashMapOrder, javaTopicPartitionHash } from './java-hash-order.js';
import { javaExceptionClass, javaMessage, partitionErrorMessage } from './kafka-errors.js';
import { toolAdmin } from './tool-admin.js';

const PARSER = new OptionParser([
  { name: 'bootstrap-server', arg: 'required', argLabel: 'String: server(s) to use for bootstrapping', doc: 'REQUIRED: The server to connect to.' },
  {
    name: 'command-config',
    arg: 'required',
    argLabel: 'String: command config property file path',
    doc: 'A property file containing configs to be passed to Admin Client.',
  },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  {
    name: 'offset-json-file',
    arg: 'required',
    argLabel: 'String: Offset json file path',
    doc: 'REQUIRED: The JSON file with offset per partition. The format to use is: {"partitions": [{"topic": "foo", "partition": 1, "offset": 1}], "version":1}',
  },
]);

/** The offset file could not be read or is not Kafka's format (Kafka's AdminOperationException and JSON errors). */
export class OffsetFileError extends Error {}

interface RecordsToDelete {
  readonly topic: string;
  readonly partition: number;
  readonly beforeOffset: number;
}

function checkArgs(args: readonly string[], options: ParsedOptions): void {
  if (args.length === 0 || options.has('help'))
    throw new HelpRequested('This tool helps to delete records of the given partitions down to the specified offset.');
  checkRequired(options, 'bootstrap-server', 'offset-json-file');
}

/** Kafka's parseOffsetJsonStringWithoutDedup, then its check for a partition named twice. */
export function parseOffsetJson(text: string): RecordsToDelete[] {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new OffsetFileError('The input string is not a valid JSON');
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw new OffsetFileError('The input string is not a valid JSON');
  const { version = 1, partitions } = json as { version?: unknown; partitions?: unknown };
  if (version !== 1) throw new OffsetFileError(`Not supported version field value ${String(version)}`);
  if (partitions === undefined) throw new OffsetFileError('Missing partitions field');
  if (!Array.isArray(partitions)) throw new OffsetFileError('Expected JSON array for partitions');
  const seen = new Map<string, number>();
  const records = partitions.map((p: Record<string, unknown>) => {
    const { topic, partition, offset } = p ?? {};
    if (typeof topic !== 'string') throw new OffsetFileError('Expected string for topic');
    if (!Number.isInteger(partition)) throw new OffsetFileError('Expected int for partition');
    if (!Number.isSafeInteger(offset)) throw new OffsetFileError('Expected long for offset');
    const name = `${topic}-${partition}`;
    seen.set(name, (seen.get(name) ?? 0) + 1);
    return { topic, partition: partition as number, beforeOffset: offset as number };
  });
  const duplicates = [...seen].filter(([, n]) => n > 1).map(([name]) => name);
  if (duplicates.length > 0) throw new OffsetFileError(`Offset json file contains duplicate topic partitions: ${duplicates.join(',')}`);
  return records;
}

export async function deleteRecords(args: string[], output: CommandOutput = stdio): Promise<number> {
  const options = parseCommandLine(PARSER, args, (o) => checkArgs(args, o), output.err);
  if (typeof options === 'number') return options;
  let records: RecordsToDelete[];
  try {
    records = parseOffsetJson(readFileSync(options.valueOf('offset-json-file')!, 'utf8'));
  } catch (error) {
    output.err(`Error: ${(error as Error).message}\n`);
    return 1;
  }
  const admin = toolAdmin(options, 'delete-records');
  try {
    output.out('Executing records delete operation\n');
    // Kafka's tool lists the partitions in the order of its HashMap of them.
    const ordered = javaHashMapOrder(records, (r) => javaTopicPartitionHash(r.topic, r.partition));
    const outcomes = await admin.deleteRecords(ordered).settled();
    output.out('Records delete operation completed:\n');
    outcomes.forEach((outcome, i) => {
      const { topic, partition } = ordered[i]!;
      output.out(
        outcome.ok
          ? `partition: ${topic}-${partition}\tlow_watermark: ${outcome.value.lowWatermark}\n`
          : `partition: ${topic}-${partition}\terror: ${javaExceptionClass(outcome.error)}: ${partitionErrorMessage(outcome.error)}\n`,
      );
    });
    return 0;
  } catch (error) {
    output.err(`Error: ${javaMessage(error)}\n`);
    return 1;
  } finally {
    await admin.close();
  }
}
