import { Broker } from '../broker/broker.js';
import { BrokerConfig } from '../broker/broker-config.js';
import { brokerSettingsHelp } from './config-reference.js';

const USAGE = `usage: samsa broker [server.properties] [--override key=value]...

Starts a broker, like kafka-server-start.sh. Settings use Kafka's names
(listeners, log.dirs, num.partitions, log.retention.hours, storage.backend…);
with no file the defaults give a single broker on PLAINTEXT://:9092 storing
its logs in /tmp/kafka-logs with the file backend. SIGINT or SIGTERM shuts it
down cleanly.`;

/** `samsa broker`: runs until SIGINT/SIGTERM, then stops gracefully. */
export async function brokerCommand(args: string[]): Promise<number> {
  let file: string | undefined;
  const overrides: Record<string, string> = {};
  for (let i = 0; i < args.length; i++) {
    const arg = args[i]!;
    if (arg === '--help' || arg === '-h') {
      console.log(`${USAGE}\n\n${brokerSettingsHelp()}`);
      return 0;
    }
    if (arg === '--override') {
      const kv = args[++i];
      const eq = kv?.indexOf('=') ?? -1;
      if (!kv || eq <= 0) {
        console.error(`samsa broker: --override needs key=value\n\n${USAGE}`);
        return 2;
      }
      overrides[kv.slice(0, eq)] = kv.slice(eq + 1);
    } else if (!file && !arg.startsWith('-')) {
      file = arg;
    } else {
      console.error(`samsa broker: unexpected argument '${arg}'\n\n${USAGE}`);
      return 2;
    }
  }
  let broker: Broker;
  try {
    const config = file ? BrokerConfig.fromFile(file, overrides) : new BrokerConfig(overrides);
    broker = await Broker.start(config);
  } catch (e) {
    console.error(`samsa broker: ${(e as Error).message}`);
    return 1;
  }
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      process.stderr.write(`[samsa info] ${signal}: shutting down\n`);
      resolve();
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
  await broker.stop();
  process.stderr.write('[samsa info] shut down cleanly\n');
  return 0;
}
