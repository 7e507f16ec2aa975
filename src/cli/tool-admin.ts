// What several of Kafka's tools share: the admin client they make from
// --command-config and --bootstrap-server, and the topic filter of their
// --topic / --include regular expressions.
import { Admin } from '../clients/admin/admin.js';
import { type ParsedOptions, readCommandConfig } from './command-options.js';

/** Kafka's Topic.isInternal. */
export const INTERNAL_TOPICS: ReadonlySet<string> = new Set(['__consumer_offsets', '__transaction_state']);

/** An admin client for a tool: --command-config's client settings, then --bootstrap-server. */
export function toolAdmin(options: ParsedOptions, clientId: string): Admin {
  return new Admin({
    'client.id': clientId,
    ...readCommandConfig(options.valueOf('command-config')),
    'bootstrap.servers': options.valueOf('bootstrap-server')!,
  });
}

/** Kafka's IncludeList: a Java regular expression over whole topic names (commas meaning "or", spaces and surrounding quotes dropped). */
export function includeList(pattern: string): RegExp {
  const cleaned = pattern
    .trim()
    .replaceAll(',', '|')
    .replaceAll(' ', '')
    .replace(/^["']+/, '')
    .replace(/["']+$/, '');
  return new RegExp(`^(?:${cleaned})$`);
}
