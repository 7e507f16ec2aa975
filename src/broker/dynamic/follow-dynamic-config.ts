import { LogConfig } from '../../../storage/config/log-config.js';
import type { CleanerSettings } from '../../../storage/log/cleaner/log-cleaner.js';
import type { LogManager } from '../../../storage/log/log-manager.js';
import type { BrokerConfig } from '../broker-config.js';
import type { BrokerLog } from '../broker-log.js';
import type { Topics } from '../metadata/topics.js';
import type { ReplicaManager } from '../replica/replica-manager.js';
import type { DynamicBrokerConfig } from './dynamic-broker-config.js';
import { checkThreadCounts } from './thread-counts.js';

/**
 * What a dynamic broker config changes in a running broker: every open log
 * without an override of its own takes the new topic defaults, the log
 * cleaner restarts with its new settings (as Kafka's does), the open logs
 * take the new producer.id.expiration.ms, and the replica fetchers are
 * resized to num.replica.fetchers. A thread count is refused outside Kafka's
 * limits before anything is written.
 */
export function followDynamicConfig(
  dynamic: DynamicBrokerConfig,
  topics: () => Topics,
  logManager: LogManager,
  replicas: ReplicaManager,
  log: BrokerLog,
): void {
  dynamic.addValidator((merged) => checkThreadCounts(dynamic.current, merged));
  let producerIdExpirationMs = dynamic.current.int('producer.id.expiration.ms');
  dynamic.onChange(() => {
    const current = dynamic.current;
    // One LogConfig per topic, given to each of its logs: a pass over the partitions, not over every log per topic.
    for (const topic of topics().all()) {
      let logConfig: LogConfig;
      try {
        logConfig = LogConfig.from(topic.configs, current.topicDefaults);
      } catch (e) {
        log('warn', `topic ${topic.name} keeps its log config: ${(e as Error).message}`);
        continue;
      }
      for (let p = 0; p < topic.replicas.length; p++) {
        const partitionLog = logManager.getLog(topic.name, p);
        if (partitionLog) partitionLog.config = logConfig;
      }
    }
    void logManager.cleaner
      .reconfigure(cleanerSettings(current))
      .catch((e: unknown) => log('warn', `restarting the log cleaner failed: ${(e as Error).message}`));
    if (current.int('producer.id.expiration.ms') !== producerIdExpirationMs) {
      log('info', `producer.id.expiration.ms changed from ${producerIdExpirationMs} to ${current.int('producer.id.expiration.ms')}`);
      producerIdExpirationMs = current.int('producer.id.expiration.ms');
      logManager.setProducerIdExpirationMs(producerIdExpirationMs);
    }
    void replicas
      .resizeFetchers(current.int('num.replica.fetchers'))
      .catch((e: unknown) => log('warn', `resizing the replica fetchers failed: ${(e as Error).message}`));
  });
}

/** The log cleaner's settings (log.cleaner.*) as a broker's config has them. */
export function cleanerSettings(config: BrokerConfig): CleanerSettings {
  return {
    threads: config.int('log.cleaner.threads'),
    dedupeBufferSize: config.int('log.cleaner.dedupe.buffer.size'),
    dedupeBufferLoadFactor: config.double('log.cleaner.io.buffer.load.factor'),
    ioBufferSize: config.int('log.cleaner.io.buffer.size'),
    maxIoBytesPerSecond: config.double('log.cleaner.io.max.bytes.per.second'),
    backoffMs: config.int('log.cleaner.backoff.ms'),
  };
}
