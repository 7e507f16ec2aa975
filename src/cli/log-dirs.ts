// `samsa log-dirs`: kafka-log-dirs.sh for samsa — each broker's log
// directories with the partitions they hold and their sizes, as the JSON
// Kafka's LogDirsCommand prints, on Admin's describeLogDirs.
import type { BrokerLogDirs, LogDirDescription, LogDirReplica } from '../clients/admin/types.js';
import { type CommandOutput, checkRequired, HelpRequested, OptionParser, type ParsedOptions, parseCommandLine, stdio } from './command-options.js';
import { javaHashMapOrder, javaStringHash, javaTopicPartitionHash } from './java-hash-order.js';
import { javaExceptionClass, javaMessage } from './kafka-errors.js';
import { toolAdmin } from './tool-admin.js';

const PARSER = new OptionParser([
  {
    name: 'bootstrap-server',
    arg: 'required',
    argLabel: 'String: The server(s) to use for bootstrapping',
    doc: 'REQUIRED: the server(s) to use for bootstrapping',
  },
  {
    name: 'broker-list',
    arg: 'required',
    argLabel: 'String: Broker list',
    doc: 'The list of brokers to be queried in the form "0,1,2". All brokers in the cluster will be queried if no broker list is specified',
  },
  {
    name: 'command-config',
    arg: 'required',
    argLabel: 'String: Admin client property file',
    doc: 'Property file containing configs to be passed to Admin Client.',
  },
  { name: 'describe', arg: 'none', doc: 'Describe the specified log directories on the specified brokers.' },
  { name: 'help', arg: 'none', doc: 'Print usage information.' },
  {
    name: 'topic-list',
    arg: 'required',
    argLabel: 'String: Topic list',
    doc: 'The list of topics to be queried in the form "topic1,topic2,topic3". All topics will be queried if no topic list is specified',
  },
]);

/** An error Kafka's tool prints alone on stderr, exiting 1 (its TerseException). */
class TerseError extends Error {}

function checkArgs(args: readonly string[], options: ParsedOptions): void {
  if (args.length === 0 || options.has('help')) throw new HelpRequested('This tool helps to query log directory usage on the specified brokers.');
  checkRequired(options, 'bootstrap-server', 'describe');
}

/** A comma-separated list, empty parts dropped. */
function listOf(text: string | null): string[] {
  return (text ?? '').split(',').filter((x) => x !== '');
}

/** Java's HashSet<Integer> order, as Kafka joins its broker sets. */
function intSetOrder(ids: Iterable<number>): number[] {
  return javaHashMapOrder([...new Set(ids)], (id) => id);
}

export async function logDirs(args: string[], output: CommandOutput = stdio): Promise<number> {
  const options = parseCommandLine(PARSER, args, (o) => checkArgs(args, o), output.err);
  if (typeof options === 'number') return options;
  const admin = toolAdmin(options, 'log-dirs-tool');
  try {
    const topics = new Set(listOf(options.valueOf('topic-list')));
    const input = listOf(options.valueOf('broker-list')).map((b) => {
      if (!/^[-+]?\d+$/.test(b)) throw new TerseError(`For input string: "${b}"`);
      return Number(b);
    });
    const cluster = new Set((await admin.describeCluster()).nodes.map((n) => n.id));
    const missing = input.filter((b) => !cluster.has(b));
    if (missing.length > 0) {
      throw new TerseError(
        `ERROR: The given brokers do not exist from --broker-list: ${intSetOrder(missing).join(',')}. Current existent brokers: ${intSetOrder(cluster).join(',')}`,
      );
    }
    const brokers = intSetOrder(input.length === 0 ? cluster : input);
    output.out('Querying brokers for log directories information\n');
    const described = await admin.describeLogDirs(brokers);
    output.out(`Received log directory information from brokers ${brokers.join(',')}\n`);
    output.out(`${formatAsJson(described, topics)}\n`);
    return 0;
  } catch (error) {
    output.err(`${javaMessage(error)}\n`);
    return 1;
  } finally {
    await admin.close();
  }
}

/** The JSON Kafka prints, its keys in the order of the HashMaps Kafka builds it from. */
function formatAsJson(described: readonly BrokerLogDirs[], topics: ReadonlySet<string>): string {
  const brokers = javaHashMapOrder([...described], (b) => b.broker).map((b) => `{"broker":${b.broker},"logDirs":[${logDirsJson(b.logDirs, topics)}]}`);
  return `{"brokers":[${brokers.join(',')}],"version":1}`;
}

function logDirsJson(dirs: readonly LogDirDescription[], topics: ReadonlySet<string>): string {
  return javaHashMapOrder([...dirs], (d) => javaStringHash(d.path))
    .map((d) => {
      const replicas = d.replicas.filter((r) => topics.size === 0 || topics.has(r.topic));
      const error = d.error === null ? 'null' : JSON.stringify(javaExceptionClass(d.error));
      return `{"partitions":[${javaHashMapOrder(replicas, (r) => javaTopicPartitionHash(r.topic, r.partition))
        .map(replicaJson)
        .join(',')}],"error":${error},"logDir":${JSON.stringify(d.path)}}`;
    })
    .join(',');
}

function replicaJson(r: LogDirReplica): string {
  return `{"partition":${JSON.stringify(`${r.topic}-${r.partition}`)},"size":${r.size},"offsetLag":${r.offsetLag},"isFuture":${r.isFuture}}`;
}
