import { type ConfigInput, commonClientConfig, int, type ParsedConfig, parseConfig } from '../network/config.js';

/** The admin client's settings, with the Java AdminClient's names and defaults. */
export const ADMIN_CONFIG = {
  ...commonClientConfig({ receiveBufferBytes: 65_536, connectionsMaxIdleMs: 300_000 }),
  /** How long a call may take, retries included, unless its options say otherwise. */
  'default.api.timeout.ms': int(60_000, { min: 0 }),
  retries: int(2_147_483_647, { min: 0 }),
} as const;

export type AdminConfig = ParsedConfig<typeof ADMIN_CONFIG>;
export type AdminConfigInput = ConfigInput<typeof ADMIN_CONFIG> & { readonly 'bootstrap.servers': string | readonly string[] };

export function parseAdminConfig(input: AdminConfigInput): AdminConfig {
  return parseConfig(ADMIN_CONFIG, input as Record<string, unknown>, 'admin');
}
