/**
 * Kafka's release names and their inter-broker protocol versions (Kafka 3.9's
 * MetadataVersion), which message.format.version takes: "0.10.2", "2.8",
 * "3.0-IV1"… samsa only checks the name; it writes record batch v2 whatever
 * the version says.
 */
const IV_COUNTS: ReadonlyArray<readonly [release: string, ivs: number, production: boolean]> = [
  ['0.8.0', 0, true],
  ['0.8.1', 0, true],
  ['0.8.2', 0, true],
  ['0.9.0', 0, true],
  ['0.10.0', 2, true],
  ['0.10.1', 3, true],
  ['0.10.2', 1, true],
  ['0.11.0', 3, true],
  ['1.0', 1, true],
  ['1.1', 1, true],
  ['2.0', 2, true],
  ['2.1', 3, true],
  ['2.2', 2, true],
  ['2.3', 2, true],
  ['2.4', 2, true],
  ['2.5', 1, true],
  ['2.6', 1, true],
  ['2.7', 3, true],
  ['2.8', 2, true],
  ['3.0', 2, true],
  ['3.1', 1, true],
  ['3.2', 1, true],
  ['3.3', 4, true],
  ['3.4', 1, true],
  ['3.5', 3, true],
  ['3.6', 3, true],
  ['3.7', 5, true],
  ['3.8', 1, true],
  ['3.9', 1, true],
  // Known to Kafka 3.9 by their IV names only: not a production release there.
  ['4.0', 2, false],
];

const VERSION_NAMES: ReadonlySet<string> = new Set(
  IV_COUNTS.flatMap(([release, ivs, production]) => [...(production ? [release] : []), ...Array.from({ length: ivs }, (_, i) => `${release}-IV${i}`)]),
);

/**
 * Whether Kafka would take `text` as a version: a release or IV name, where a
 * longer release name counts as its first three parts for 0.x ("0.10.0.1")
 * and its first two after that ("2.8.1"), as MetadataVersion.fromVersionString reads it.
 */
export function isKafkaVersion(text: string): boolean {
  const parts = text.split('.');
  const kept = text.startsWith('0.') ? 3 : 2;
  return VERSION_NAMES.has(parts.length > kept ? parts.slice(0, kept).join('.') : text);
}
