import { ConfigError } from '../../../storage/config/config-error.js';
import type { BrokerConfig } from '../broker-config.js';

/** Kafka's DynamicThreadPool keys samsa has (num.io.threads and num.network.threads are accepted and unused; num.replica.fetchers resizes the fetchers). */
const THREAD_POOL_KEYS = ['num.io.threads', 'num.network.threads', 'num.replica.fetchers'];

/**
 * Kafka's limits on a thread count changed at run time: at least 1, and
 * within half to double the count in effect (integer halves, as Kafka
 * divides), so one change never resizes a pool too far. Throws with Kafka's
 * message: DynamicThreadPool's for the pools, the LogCleaner's for
 * log.cleaner.threads.
 */
export function checkThreadCounts(current: BrokerConfig, merged: BrokerConfig): void {
  for (const name of THREAD_POOL_KEYS) {
    const [was, now] = [current.int(name), merged.int(name)];
    if (now === was) continue;
    const failed = `Dynamic thread count update validation failed for ${name}=${now}`;
    if (now <= 0) throw new Error(`${failed}, value should be at least 1`);
    if (now < Math.floor(was / 2)) throw new Error(`${failed}, value should be at least half the current value ${was}`);
    if (now > was * 2) throw new Error(`${failed}, value should not be greater than double the current value ${was}`);
  }
  const [was, now] = [current.int('log.cleaner.threads'), merged.int('log.cleaner.threads')];
  if (now === was) return;
  if (now < 1) throw new ConfigError('log.cleaner.threads', 'Log cleaner threads should be at least 1');
  if (now < Math.floor(was / 2))
    throw new ConfigError('log.cleaner.threads', `Log cleaner threads cannot be reduced to less than half the current value ${was}`);
  // samsa's 0 (the main thread) counts as one thread here, so the pool can start from it.
  if (now > Math.max(was, 1) * 2)
    throw new ConfigError('log.cleaner.threads', `Log cleaner threads cannot be increased to more than double the current value ${was}`);
}
