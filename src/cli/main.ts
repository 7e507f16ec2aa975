#!/usr/bin/env node
// The `samsa` command. Subcommands are added as the broker and tools grow;
// each lives in its own module and is loaded only when asked for.
import { readFileSync } from 'node:fs';

interface Subcommand {
  summary: string;
  run(args: string[]): Promise<number>;
}

const subcommands: Record<string, Subcommand> = {
  version: {
    summary: 'print the samsa version',
    async run() {
      console.log(packageVersion());
      return 0;
    },
  },
  broker: {
    summary: 'start a broker (server.properties, --override key=value), like kafka-server-start.sh',
    async run(args) {
      const { brokerCommand } = await import('./broker-command.js');
      return brokerCommand(args);
    },
  },
  'dump-log': {
    summary: 'print the batches and records of log segments, like kafka-dump-log.sh',
    async run(args) {
      const { dumpLog } = await import('./dump-log.js');
      return dumpLog(args);
    },
  },
  'consumer-groups': {
    summary: 'list, describe and delete consumer groups and reset their offsets, like kafka-consumer-groups.sh',
    async run(args) {
      const { consumerGroups } = await import('./consumer-groups.js');
      return consumerGroups(args);
    },
  },
  topics: {
    summary: 'create, list, describe, alter and delete topics, like kafka-topics.sh',
    async run(args) {
      const { topics } = await import('./topics.js');
      return topics(args);
    },
  },
  'console-producer': {
    summary: 'send lines of stdin as records, like kafka-console-producer.sh',
    async run(args) {
      const { consoleProducer } = await import('./console-producer.js');
      return consoleProducer(args);
    },
  },
  'console-consumer': {
    summary: 'print records to stdout, like kafka-console-consumer.sh',
    async run(args) {
      const { consoleConsumer } = await import('./console-consumer.js');
      return consoleConsumer(args);
    },
  },
  'get-offsets': {
    summary: 'print the offsets of partitions at a time, like kafka-get-offsets.sh',
    async run(args) {
      const { getOffsets } = await import('./get-offsets.js');
      return getOffsets(args);
    },
  },
  'delete-records': {
    summary: 'delete the records of partitions before an offset, like kafka-delete-records.sh',
    async run(args) {
      const { deleteRecords } = await import('./delete-records.js');
      return deleteRecords(args);
    },
  },
  'log-dirs': {
    summary: "describe brokers' log directories as JSON, like kafka-log-dirs.sh",
    async run(args) {
      const { logDirs } = await import('./log-dirs.js');
      return logDirs(args);
    },
  },
  'producer-perf-test': {
    summary: 'measure producer throughput and latency, like kafka-producer-perf-test.sh',
    async run(args) {
      const { producerPerfTest } = await import('./producer-perf-test.js');
      return producerPerfTest(args);
    },
  },
  'consumer-perf-test': {
    summary: 'measure consumer throughput, like kafka-consumer-perf-test.sh',
    async run(args) {
      const { consumerPerfTest } = await import('./consumer-perf-test.js');
      return consumerPerfTest(args);
    },
  },
  acls: {
    summary: 'add, remove and list ACLs, like kafka-acls.sh',
    async run(args) {
      const { acls } = await import('./acls.js');
      return acls(args);
    },
  },
  configs: {
    summary: 'describe and alter the configs of topics, brokers and users, like kafka-configs.sh',
    async run(args) {
      const { configs } = await import('./configs.js');
      return configs(args);
    },
  },
  help: {
    summary: 'list the subcommands',
    async run() {
      console.log(usage());
      return 0;
    },
  },
};

function packageVersion(): string {
  // dist/src/cli/main.js and src/cli/main.ts both sit three levels below the package root.
  const url = new URL('../../package.json', import.meta.url);
  let text: string;
  try {
    text = readFileSync(url, 'utf8');
  } catch {
    text = readFileSync(new URL('../../../package.json', import.meta.url), 'utf8');
  }
  return (JSON.parse(text) as { version: string }).version;
}

function usage(): string {
  const width = Math.max(...Object.keys(subcommands).map((name) => name.length));
  const lines = Object.entries(subcommands).map(([name, c]) => `  ${name.padEnd(width)}  ${c.summary}`);
  return ['usage: samsa <command> [options]', '', 'commands:', ...lines].join('\n');
}

export async function main(argv: string[]): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h') {
    console.log(usage());
    return name === undefined ? 2 : 0;
  }
  if (name === '--version' || name === '-V') return subcommands.version!.run(rest);
  const command = subcommands[name];
  if (!command) {
    console.error(`samsa: unknown command '${name}'\n\n${usage()}`);
    return 2;
  }
  return command.run(rest);
}

process.exitCode = await main(process.argv.slice(2));
