// The time arguments of Kafka's tools, read as Kafka reads them.

/** A date-time or duration argument that could not be read. */
export class TimeArgumentError extends Error {}

const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.(\d{1,3})(Z|[+-]\d{2}(?::?\d{2})?)?$/;

/**
 * A `--to-datetime` value in epoch milliseconds, as Kafka's
 * Utils.getDateTime reads it: `YYYY-MM-DDTHH:mm:SS.sss` followed by an
 * optional zone (`Z`, `+08`, `+0800` or `+08:00`). Without a zone the time is
 * UTC: Kafka appends a `Z` when the part after the `T` has no `+`, `-` or
 * `Z`. As with Java's SimpleDateFormat, the digits after the dot are a count
 * of milliseconds (".5" is 5 ms).
 */
export function parseKafkaDateTime(text: string): number {
  if (text.split('T').length < 2) {
    throw new TimeArgumentError(`Error parsing timestamp. It does not contain a 'T' according to ISO8601 format: ${text}`);
  }
  const m = DATE_TIME.exec(text);
  if (!m) throw new TimeArgumentError(`Unparseable date: "${text}"`);
  const [year, month, day, hour, minute, second, millis] = m.slice(1, 8).map(Number) as [number, number, number, number, number, number, number];
  const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth || hour > 23 || minute > 59 || second > 59) {
    throw new TimeArgumentError(`Unparseable date: "${text}"`);
  }
  const utc = Date.UTC(year, month - 1, day, hour, minute, second, millis);
  const zone = m[8];
  if (zone === undefined || zone === 'Z') return utc;
  const sign = zone.startsWith('-') ? -1 : 1;
  const digits = zone.slice(1).replace(':', '');
  const hours = Number(digits.slice(0, 2));
  const minutes = digits.length > 2 ? Number(digits.slice(2, 4)) : 0;
  if (hours > 23 || minutes > 59) throw new TimeArgumentError(`Unparseable date: "${text}"`);
  return utc - sign * (hours * 60 + minutes) * 60_000;
}

const DURATION = /^([-+]?)P(?:([-+]?\d+)D)?(T(?:([-+]?\d+)H)?(?:([-+]?\d+)M)?(?:([-+]?\d+)(?:[.,](\d{0,9}))?S)?)?$/i;

/**
 * A `--by-duration` value in milliseconds, as Java's Duration.parse reads
 * ISO-8601 durations: `PnDTnHnMn.nS` (days of 24 hours; any part may be
 * left out or signed; letters in either case). Fractions finer than a
 * millisecond are dropped.
 */
export function parseIsoDuration(text: string): number {
  const m = DURATION.exec(text);
  // "P" alone, or a "T" with nothing after it, is not a duration.
  if (!m || text.toUpperCase().endsWith('T') || (m[2] === undefined && m[3] === undefined)) {
    throw new TimeArgumentError(`Text cannot be parsed to a Duration: ${text}`);
  }
  const part = (value: string | undefined, ms: number) => (value === undefined ? 0 : Number(value) * ms);
  let total = part(m[2], 86_400_000) + part(m[4], 3_600_000) + part(m[5], 60_000);
  if (m[6] !== undefined) {
    const seconds = Number(m[6]);
    const fraction = m[7] ? Math.floor(Number(`0.${m[7]}`) * 1000 + 1e-6) : 0;
    total += seconds * 1000 + (m[6].startsWith('-') ? -fraction : fraction);
  }
  return m[1] === '-' ? -total : total;
}
