/**
 * A configuration value that cannot be used: unknown key, wrong type, out of
 * range. Kafka answers these with INVALID_CONFIG (error code 40).
 */
export class ConfigError extends Error {
  readonly errorCode = 40;

  constructor(
    readonly key: string,
    message: string,
  ) {
    super(`${key}: ${message}`);
    this.name = 'ConfigError';
  }
}
