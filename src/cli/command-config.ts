import { readFileSync } from 'node:fs';
import { parseProperties } from '../broker/broker-config.js';

/** Kafka's --command-config: a properties file of client settings (security.protocol, sasl.*, ssl.*); none without the option. */
export function readCommandConfig(path: string | undefined | null): Record<string, string> {
  if (!path) return {};
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new Error(`cannot read the command config ${path}: ${(e as Error).message}`);
  }
  return parseProperties(text);
}
