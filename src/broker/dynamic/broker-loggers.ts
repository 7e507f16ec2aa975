import { ErrorCode, KafkaError } from '../../protocol/error-codes.js';
import type { BrokerLog, LogLevel } from '../broker-log.js';

/** The levels Kafka lets a logger take (LogLevelConfig.VALID_LOG_LEVELS), most quiet first. */
const LEVELS = ['FATAL', 'ERROR', 'WARN', 'INFO', 'DEBUG', 'TRACE'] as const;
type Log4jLevel = (typeof LEVELS)[number];

/** The log4j level each of samsa's levels is. */
const RANK: Readonly<Record<LogLevel, number>> = { error: LEVELS.indexOf('ERROR'), warn: LEVELS.indexOf('WARN'), info: LEVELS.indexOf('INFO') };

/** Kafka's root logger: samsa logs through one logger, so it is the only one. */
export const ROOT_LOGGER = 'root';

/**
 * The broker's loggers as Kafka's BROKER_LOGGER resource shows them (Kafka's
 * Log4jController): samsa has one, `root`, at INFO; IncrementalAlterConfigs
 * may set its level (WARN keeps warnings and errors, FATAL silences it: samsa has no fatal lines) until
 * the broker stops, as Kafka keeps logger levels in memory only.
 */
export class BrokerLoggers {
  private level: Log4jLevel = 'INFO';

  /** `sink` filtered by the root logger's level. */
  filter(sink: BrokerLog): BrokerLog {
    return (level, message) => {
      if (RANK[level] <= LEVELS.indexOf(this.level)) sink(level, message);
    };
  }

  /** Each logger with its level. */
  describe(): Array<{ name: string; level: string }> {
    return [{ name: ROOT_LOGGER, level: this.level }];
  }

  /** Checks, then applies, SET and DELETE operations on loggers (Kafka's validateLogLevelConfigs and alterLogLevelConfigs). */
  alter(ops: ReadonlyArray<{ name: string; op: 'SET' | 'DELETE' | 'APPEND' | 'SUBTRACT'; value: string | null }>, validateOnly: boolean): void {
    let next = this.level;
    for (const op of ops) {
      if (op.op === 'APPEND' || op.op === 'SUBTRACT')
        throw new KafkaError(ErrorCode.INVALID_REQUEST, `${op.op} operation is not allowed for the BROKER_LOGGER resource`);
      if (op.name !== ROOT_LOGGER) throw new KafkaError(ErrorCode.INVALID_CONFIG, `Logger ${op.name} does not exist!`);
      if (op.op === 'DELETE') throw new KafkaError(ErrorCode.INVALID_REQUEST, `Removing the log level of the ${ROOT_LOGGER} logger is not allowed`);
      const level = op.value ?? '';
      if (!(LEVELS as readonly string[]).includes(level))
        throw new KafkaError(
          ErrorCode.INVALID_CONFIG,
          `Cannot set the log level of ${op.name} to ${op.value} as it is not a supported log level. Valid log levels are ${LEVELS.join(', ')}`,
        );
      next = level as Log4jLevel;
    }
    if (!validateOnly) this.level = next;
  }
}
